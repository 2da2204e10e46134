// tether/records.hpp — the rows a call returns, stored by column.
// Each column is one contiguous block of 16-byte cells (all blocks share one allocation);
// integers, doubles, booleans, dates, times and timestamps live inside the cell, and
// variable-length data (text, bytes, decimals, uuids, json) in one byte arena, so a
// fixed-width cell allocates nothing. A small result (8 cells, 64 bytes of text) lives
// entirely inside the records object and allocates nothing at all.
// JSON text is produced only when asked for. A `records` is a value: copy it, move it;
// a `record` is a view that must not outlive its `records`. Not synchronised.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tether/value.hpp"

namespace tether {

class records;

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
  // time_of_day, timestamp, uuid, bytes, value, and std::optional<T> of those for nullable
  // columns. Throws tether::error (usage) on null (unless optional) or on a kind mismatch.
  template <class T>
  T get(std::string_view column) const;
  template <class T>
  T get(std::size_t column) const;

  std::string to_json() const;
  value to_value() const;  // an object, in column order

 private:
  // Every type, every check and every error, out of line; get() inlines the common reads.
  template <class T>
  T get_any(std::size_t column) const;
  const records* owner_;
  std::size_t row_;
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
  ~records() = default;
  explicit records(std::vector<std::string> column_names);
  // Shares the names (a cached statement's, say) instead of copying them.
  explicit records(std::shared_ptr<const std::vector<std::string>> column_names) noexcept;

  // Empties these records and names their columns anew, in place: an engine fills the
  // records its caller returns without building and moving a temporary.
  void reset(std::shared_ptr<const std::vector<std::string>> column_names) noexcept;
  // The same, keeping the storage when the names are the ones these records already
  // share: a stream fills its next chunk where the last one was, without allocating.
  void restart(const std::shared_ptr<const std::vector<std::string>>& column_names) noexcept;

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
  value to_value() const;       // an array of objects

  // Building (engines and the core use these). Call add_* once per column per row, in
  // column order, then end_row().
  // Room for at least this many rows (and bytes of text); grows geometrically, so
  // reserving one more row at a time stays linear.
  void reserve(std::size_t rows, std::size_t arena_bytes = 0);
  std::size_t text_bytes() const noexcept { return arena_size_; }  // of text, bytes and decimals held
  // The fixed-width cells are inline: an engine fills them in its row loop.
  void add_null() { next_cell(); }
  void add_bool(bool b) { next_cell() = cell{value_kind::boolean, 0, 0, b ? 1u : 0u}; }
  void add_int(std::int64_t i) {
    next_cell() = cell{value_kind::integer, 0, 0, static_cast<std::uint64_t>(i)};
  }
  void add_double(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    next_cell() = cell{value_kind::real, 0, 0, bits};
  }
  void add_text(std::string_view s) { add_arena(value_kind::string, s.data(), s.size()); }
  void add_bytes(const void* data, std::size_t size);
  void add_decimal(std::string_view canonical);
  void add_json(std::string_view json_text);  // an array or object, stored as its text
  void add_date(date d);
  void add_time(time_of_day t);
  void add_timestamp(timestamp t);
  void add_uuid(const uuid& u);
  void add(const value& v);
  // Keeps the first `n` rows (n ≤ size()), between rows.
  void truncate(std::size_t n) noexcept {
    if (n < rows_ && cursor_ == 0) rows_ = n;
  }
  void end_row() {
    if (cursor_ != ncols_) short_row();
    cursor_ = 0;
    ++rows_;
  }

 private:
  friend class record;
  struct cell {
    value_kind kind;
    std::int16_t aux;      // timestamp offset minutes
    std::uint32_t length;  // arena bytes
    std::uint64_t payload; // fixed-width bits, or arena offset
  };
  cell& next_cell() {
    if (cursor_ >= ncols_) too_many_cells();
    if (rows_ == capacity_) grow(capacity_ ? capacity_ * 2 : 1);
    cell& c = cells_[cursor_++ * capacity_ + rows_];
    c = cell{value_kind::null, 0, 0, 0};
    return c;
  }
  [[noreturn]] void too_many_cells() const;
  [[noreturn]] void short_row() const;
  [[noreturn]] void bad_column(std::size_t col) const;
  void grow(std::size_t rows);
  // Text that fits the arena (inline, or out of line once it has grown) is copied here;
  // the slow path grows it.
  void add_arena(value_kind kind, const void* data, std::size_t size) {
    if (arena_size_ + size > arena_capacity_) return add_arena_slow(kind, data, size);
    cell& c = next_cell();
    c.kind = kind;
    c.payload = arena_size_;
    c.length = static_cast<std::uint32_t>(size);
    if (size) std::memcpy(arena_ + arena_size_, data, size);
    arena_size_ += size;
  }
  void grow_arena(std::size_t bytes);
  void add_arena_slow(value_kind kind, const void* data, std::size_t size);
  // Rows the inline cells hold for this many columns: a small result never grows.
  static constexpr std::size_t small_capacity(std::size_t ncols) noexcept {
    return ncols == 0 || ncols > small_cells ? 0 : small_cells / ncols;
  }
  const cell& cell_at(std::size_t row, std::size_t col) const {
    if (col >= ncols_) bad_column(col);
    return cells_[col * capacity_ + row];
  }
  std::size_t require_column(std::string_view name) const;
  std::string_view arena_view(const cell& c) const;

  void adopt(const records& o);  // copy the storage of o, fixing the pointers up
  void steal(records& o) noexcept;

  static constexpr std::size_t small_cells = 8;
  static constexpr std::size_t small_arena = 64;

  std::shared_ptr<const std::vector<std::string>> names_;
  std::size_t ncols_ = 0;
  cell* cells_ = small_cells_;  // column c's block is [c * capacity_, c * capacity_ + rows_)
  std::size_t capacity_ = 0;    // rows each column block holds
  char* arena_ = small_arena_;
  std::size_t arena_size_ = 0;
  std::size_t arena_capacity_ = small_arena;  // bytes arena_ holds (big_arena_'s size when out of line)
  std::size_t rows_ = 0;
  std::size_t cursor_ = 0;      // next column to fill in the current row
  // Grown storage is written before it is read: allocated without zeroing it first.
  template <class T>
  struct uninitialized_allocator : std::allocator<T> {
    template <class U>
    struct rebind {
      using other = uninitialized_allocator<U>;
    };
    template <class U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  };
  std::vector<cell, uninitialized_allocator<cell>> big_cells_;
  std::vector<char, uninitialized_allocator<char>> big_arena_;
  cell small_cells_[small_cells];
  char small_arena_[small_arena];
};

// An integer, a double or a text cell is read inline (a loop over a result calls this per
// cell); anything else, a null, a conversion or a mismatch goes through get_any.
template <class T>
inline T record::get(std::size_t column) const {
  if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double> ||
                std::is_same_v<T, std::string_view>) {
    if (column < owner_->ncols_) {
      const records::cell& c = owner_->cells_[column * owner_->capacity_ + row_];
      if constexpr (std::is_same_v<T, std::int64_t>) {
        if (c.kind == value_kind::integer) return static_cast<std::int64_t>(c.payload);
      } else if constexpr (std::is_same_v<T, double>) {
        if (c.kind == value_kind::real) {
          double d;
          std::memcpy(&d, &c.payload, sizeof d);
          return d;
        }
      } else {
        if (c.kind == value_kind::string) return std::string_view(owner_->arena_ + c.payload, c.length);
      }
    }
  }
  return get_any<T>(column);
}

}  // namespace tether
