// Internal: how tether fills a records (tether/records.hpp), and the layout of its cells.
// Engines and the core build results through a records_builder; users only read them.
// The fixed-width cells are written inline, in an engine's row loop; the rest is out of
// line in records.cpp.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tether/records.hpp"

namespace tether::detail {

struct records_cell {
  value_kind kind;
  std::int16_t aux;       // timestamp offset minutes
  std::uint32_t length;   // arena bytes
  std::uint64_t payload;  // fixed-width bits, or arena offset
};

// What a find's include read for one relation: the related rows, and for parent row i
// the indexes [offsets[i], offsets[i + 1]) into `index` of its rows among them (a related
// row that many parents share is stored once).
struct relation_part {
  std::string name;
  bool to_one = false;
  records rows;
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint32_t> index;
};
struct relations {
  std::vector<relation_part> parts;
};

class records_builder {
 public:
  // Sets what the includes found for these records' rows.
  static void attach(records& r, std::shared_ptr<const relations> found) noexcept { r.relations_ = std::move(found); }
  static const relations* relations_of(const records& r) noexcept { return r.relations_.get(); }
  explicit records_builder(records& r) noexcept : r_(r) {}

  // Empties the records and names their columns anew, in place: an engine fills the
  // records its caller returns without building and moving a temporary.
  void reset(std::shared_ptr<const std::vector<std::string>> column_names) noexcept;
  // The same, keeping the storage when the names are the ones the records already share:
  // a stream fills its next chunk where the last one was, without allocating.
  void restart(const std::shared_ptr<const std::vector<std::string>>& column_names) noexcept;

  // Room for at least this many rows (and bytes of text); grows geometrically, so
  // reserving one more row at a time stays linear.
  void reserve(std::size_t rows, std::size_t arena_bytes = 0);
  std::size_t text_bytes() const noexcept { return r_.arena_size_; }  // of text, bytes and decimals held

  // Call add_* once per column per row, in column order, then end_row().
  void add_null() { next_cell(); }
  void add_bool(bool b) { next_cell() = records_cell{value_kind::boolean, 0, 0, b ? 1u : 0u}; }
  void add_int(std::int64_t i) { next_cell() = records_cell{value_kind::integer, 0, 0, static_cast<std::uint64_t>(i)}; }
  void add_double(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    next_cell() = records_cell{value_kind::real, 0, 0, bits};
  }
  void add_text(std::string_view s) { add_arena(value_kind::string, s.data(), s.size()); }
  void add_bytes(const void* data, std::size_t size);
  void add_decimal(std::string_view canonical);
  void add_json(std::string_view json_text);  // an array or object, stored as its text
  void add_date(date d);
  void add_time(time_of_day t);
  void add_timestamp(timestamp t);
  void add_uuid(const uuid& u);
  void add_object_id(const object_id& o);
  void add(const value& v);
  // Keeps the first `n` rows (n ≤ size()), between rows.
  void truncate(std::size_t n) noexcept {
    if (n < r_.rows_ && r_.cursor_ == 0) r_.rows_ = n;
  }
  void end_row() {
    if (r_.cursor_ != r_.ncols_) short_row();
    r_.cursor_ = 0;
    ++r_.rows_;
  }

  // A cell as stored, for readers inside tether (records.cpp); throws on a bad column.
  static const records_cell& cell_at(const records& r, std::size_t row, std::size_t col) {
    if (col >= r.ncols_) bad_column(r, col);
    return r.cells_[col * r.capacity_ + row];
  }
  static std::string_view arena_view(const records& r, const records_cell& c) noexcept {
    return std::string_view(r.arena_ + c.payload, c.length);
  }
  // Rows the inline cells hold for this many columns: a small result never grows.
  static constexpr std::size_t small_capacity(std::size_t ncols) noexcept {
    return ncols == 0 || ncols > records::small_cells ? 0 : records::small_cells / ncols;
  }
  static records_cell* small_cells(records& r) noexcept { return reinterpret_cast<records_cell*>(r.small_cells_); }
  static void adopt(records& to, const records& from);  // copy the storage, fixing the pointers up
  static void steal(records& to, records& from) noexcept;

 private:
  records_cell& next_cell() {
    if (r_.cursor_ >= r_.ncols_) too_many_cells();
    if (r_.rows_ == r_.capacity_) grow(r_.capacity_ ? r_.capacity_ * 2 : 1);
    records_cell& c = r_.cells_[r_.cursor_++ * r_.capacity_ + r_.rows_];
    c = records_cell{value_kind::null, 0, 0, 0};
    return c;
  }
  // Text that fits the arena (inline, or out of line once it has grown) is copied here;
  // the slow path grows it.
  void add_arena(value_kind kind, const void* data, std::size_t size) {
    if (r_.arena_size_ + size > r_.arena_capacity_) return add_arena_slow(kind, data, size);
    records_cell& c = next_cell();
    c.kind = kind;
    c.payload = r_.arena_size_;
    c.length = static_cast<std::uint32_t>(size);
    if (size) std::memcpy(r_.arena_ + r_.arena_size_, data, size);
    r_.arena_size_ += size;
  }
  void add_arena_slow(value_kind kind, const void* data, std::size_t size);
  void grow(std::size_t rows);
  void grow_arena(std::size_t bytes);
  [[noreturn]] void too_many_cells() const;
  [[noreturn]] void short_row() const;
  [[noreturn]] static void bad_column(const records& r, std::size_t col);

  records& r_;
};

static_assert(sizeof(records_cell) == 16, "records.hpp reserves 16 bytes a cell");

}  // namespace tether::detail
