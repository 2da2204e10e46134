// tether/records.hpp — the rows a call returns, stored by column.
// Each column is one contiguous block of 16-byte cells (all blocks share one allocation);
// integers, doubles, booleans, dates, times and timestamps live inside the cell, and
// variable-length data (text, bytes, decimals, uuids, json) in one byte arena, so a
// fixed-width cell allocates nothing. A small result (8 cells, 64 bytes of text) lives
// entirely inside the records object and allocates nothing at all.
// JSON text is produced only when asked for. A `records` is a value: copy it, move it;
// a `record` is a view that must not outlive its `records`. Not synchronised.
// Records are read here and filled only by tether itself: the cell layout and the builder
// that engines fill them with are internal (src/core/results/records_builder.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/value.hpp"

namespace tether {

class records;

class related_rows;

namespace detail {
struct relations;        // the rows an include found, per relation (internal)
struct records_cell;     // one cell's layout (internal)
class records_builder;   // how engines fill records (internal)
struct records_cells_free {
  void operator()(records_cell* cells) const noexcept;
};
}  // namespace detail

class record {
 public:
  record(const records* owner, std::size_t row) noexcept : owner_(owner), row_(row) {}

  std::size_t size() const noexcept;
  std::string_view name(std::size_t column) const;
  bool is_null(std::string_view column) const;
  bool is_null(std::size_t column) const;
  value_kind kind(std::string_view column) const;

  // Materialise one cell; throws tether::error (not_found) for an unknown column name.
  value operator[](std::string_view column) const;
  value at(std::size_t column) const;

  // Typed access without materialising a value: std::int64_t, int, double, bool,
  // std::string, std::string_view (valid while the records live), decimal, date,
  // time_of_day, timestamp, uuid, object_id, bytes, value, and std::optional<T> of those for nullable
  // columns. Throws tether::error (usage) on null (unless optional) or on a kind mismatch.
  template <class T>
  T get(std::string_view column) const;
  template <class T>
  T get(std::size_t column) const;

  // The rows a find's include read for this record under `relation` (a list; for a
  // many_to_one, none or one: related_rows::one). Throws tether::error (not_found) for a
  // relation the find did not include.
  related_rows related(std::string_view relation) const;

  std::string to_json() const;
  value to_value() const;  // an object, in column order, then each relation

 private:
  const records* owner_;
  std::size_t row_;
};

// One record's related rows: records of the related table (which may have relations of
// their own), seen through this record's indexes. Valid while the records live.
class related_rows {
 public:
  related_rows(const records* rows, const std::uint32_t* index, std::size_t size, bool to_one) noexcept
      : rows_(rows), index_(index), size_(size), to_one_(to_one) {}
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  bool to_one() const noexcept { return to_one_; }  // a many_to_one relation
  record operator[](std::size_t i) const noexcept { return record(rows_, index_[i]); }
  std::optional<record> one() const noexcept {
    return size_ ? std::optional<record>(record(rows_, index_[0])) : std::nullopt;
  }

  class iterator {
   public:
    using value_type = record;
    using difference_type = std::ptrdiff_t;
    iterator(const records* r, const std::uint32_t* i) : r_(r), i_(i) {}
    record operator*() const noexcept { return record(r_, *i_); }
    iterator& operator++() noexcept { ++i_; return *this; }
    bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }
   private:
    const records* r_;
    const std::uint32_t* i_;
  };
  iterator begin() const noexcept { return {rows_, index_}; }
  iterator end() const noexcept { return {rows_, index_ + size_}; }

 private:
  const records* rows_;
  const std::uint32_t* index_;
  std::size_t size_;
  bool to_one_;
};

class records {
 public:
  // User-provided, so that `records r{}` (an engine::execution's) does not zero the
  // inline blocks first: a cell is written before it is read.
  records() noexcept {}
  records(const records& o);
  records(records&& o) noexcept;
  records& operator=(const records& o);
  records& operator=(records&& o) noexcept;
  ~records();
  explicit records(std::vector<std::string> column_names);
  // Shares the names (a cached statement's, say) instead of copying them.
  explicit records(std::shared_ptr<const std::vector<std::string>> column_names) noexcept;

  std::size_t size() const noexcept { return rows_; }
  bool empty() const noexcept { return rows_ == 0; }
  std::size_t column_count() const noexcept { return ncols_; }
  std::string_view column_name(std::size_t i) const { return names_->at(i); }
  // Index of a column; std::nullopt when there is none of that name.
  std::optional<std::size_t> column_index(std::string_view name) const noexcept;

  record operator[](std::size_t row) const noexcept { return record(this, row); }
  record at(std::size_t row) const;
  record front() const { return at(0); }

  class iterator {
   public:
    using value_type = record;
    using difference_type = std::ptrdiff_t;
    iterator(const records* r, std::size_t i) : r_(r), i_(i) {}
    record operator*() const noexcept { return record(r_, i_); }
    iterator& operator++() noexcept { ++i_; return *this; }
    iterator operator++(int) noexcept { auto t = *this; ++i_; return t; }
    bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }
   private:
    const records* r_;
    std::size_t i_;
  };
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, rows_}; }

  value get(std::size_t row, std::size_t column) const;
  std::string to_json() const;  // [{"col": v, …}, …]
  void append_json(std::string& out) const;
  void append_row_json(std::string& out, std::size_t row) const;  // one row's object
  value to_value() const;       // an array of objects

 private:
  friend class record;
  friend class detail::records_builder;

  static constexpr std::size_t cell_bytes = 16;
  static constexpr std::size_t small_cells = 8;
  static constexpr std::size_t small_arena = 64;

  void adopt(const records& o);  // copy the storage of o, fixing the pointers up
  void steal(records& o) noexcept;

  std::shared_ptr<const std::vector<std::string>> names_;
  std::shared_ptr<const detail::relations> relations_;  // what an include found; none: null
  std::size_t ncols_ = 0;
  // Column c's block is [c * capacity_, c * capacity_ + rows_): the inline cells, or big_cells_.
  detail::records_cell* cells_ = reinterpret_cast<detail::records_cell*>(small_cells_);
  std::size_t capacity_ = 0;    // rows each column block holds
  char* arena_ = small_arena_;
  std::size_t arena_size_ = 0;
  std::size_t arena_capacity_ = small_arena;  // bytes arena_ holds (big_arena_'s when out of line)
  std::size_t rows_ = 0;
  std::size_t cursor_ = 0;      // next column to fill in the current row
  std::size_t big_cells_size_ = 0;  // cells big_cells_ holds
  // Grown storage, allocated without zeroing it: it is written before it is read.
  std::unique_ptr<detail::records_cell[], detail::records_cells_free> big_cells_;
  std::unique_ptr<char[]> big_arena_;
  alignas(8) unsigned char small_cells_[small_cells * cell_bytes];
  char small_arena_[small_arena];
};

}  // namespace tether
