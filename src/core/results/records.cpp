// Columnar result storage and typed access.
#include "tether/records.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/values/json_text.hpp"
#include "tether/error.hpp"

namespace tether {

void records::adopt(const records& o) {
  names_ = o.names_;
  ncols_ = o.ncols_;
  capacity_ = o.capacity_;
  rows_ = o.rows_;
  cursor_ = o.cursor_;
  arena_size_ = o.arena_size_;
  const std::size_t ncells = column_count() * capacity_;
  if (o.cells_ == o.small_cells_) {
    std::copy_n(o.small_cells_, ncells, small_cells_);
    cells_ = small_cells_;
    big_cells_.clear();
  } else {
    big_cells_.assign(o.cells_, o.cells_ + ncells);
    cells_ = big_cells_.data();
  }
  if (o.arena_ == o.small_arena_) {
    std::memcpy(small_arena_, o.small_arena_, arena_size_);
    arena_ = small_arena_;
    arena_capacity_ = small_arena;
    big_arena_.clear();
  } else {
    big_arena_.assign(o.arena_, o.arena_ + arena_size_);
    arena_ = big_arena_.data();
    arena_capacity_ = big_arena_.size();
  }
}

void records::steal(records& o) noexcept {
  names_ = std::move(o.names_);
  ncols_ = o.ncols_;
  capacity_ = o.capacity_;
  rows_ = o.rows_;
  cursor_ = o.cursor_;
  arena_size_ = o.arena_size_;
  // The inline blocks are copied whole: a fixed size is a few vector moves, where the
  // used size would cost a memcpy call. An empty result (an insert's) copies nothing.
  if (o.cells_ == o.small_cells_) {
    if (o.rows_ || o.cursor_) std::memcpy(small_cells_, o.small_cells_, sizeof small_cells_);
    cells_ = small_cells_;
  } else {
    big_cells_ = std::move(o.big_cells_);
    cells_ = big_cells_.data();
  }
  if (o.arena_ == o.small_arena_) {
    if (o.arena_size_) std::memcpy(small_arena_, o.small_arena_, sizeof small_arena_);
    arena_ = small_arena_;
    arena_capacity_ = small_arena;
  } else {
    big_arena_ = std::move(o.big_arena_);
    arena_ = big_arena_.data();
    arena_capacity_ = big_arena_.size();
  }
  o.cells_ = o.small_cells_;
  o.arena_ = o.small_arena_;
  o.arena_capacity_ = small_arena;
  o.capacity_ = o.rows_ = o.cursor_ = o.arena_size_ = o.ncols_ = 0;
}

records::records(const records& o) { adopt(o); }
records::records(records&& o) noexcept { steal(o); }
records& records::operator=(const records& o) {
  if (this != &o) adopt(o);
  return *this;
}
records& records::operator=(records&& o) noexcept {
  if (this != &o) steal(o);
  return *this;
}

records::records(std::vector<std::string> column_names)
    : names_(std::make_shared<const std::vector<std::string>>(std::move(column_names))),
      ncols_(names_->size()),
      capacity_(small_capacity(ncols_)) {}

records::records(std::shared_ptr<const std::vector<std::string>> column_names) noexcept
    : names_(std::move(column_names)),
      ncols_(names_ ? names_->size() : 0),
      capacity_(small_capacity(ncols_)) {}

void records::reset(std::shared_ptr<const std::vector<std::string>> column_names) noexcept {
  names_ = std::move(column_names);
  ncols_ = names_ ? names_->size() : 0;
  capacity_ = small_capacity(ncols_);
  cells_ = small_cells_;
  arena_ = small_arena_;
  arena_capacity_ = small_arena;
  rows_ = cursor_ = arena_size_ = 0;
  big_cells_.clear();
  big_arena_.clear();
}

void records::restart(const std::shared_ptr<const std::vector<std::string>>& column_names) noexcept {
  if (names_ != column_names) return reset(column_names);
  rows_ = cursor_ = arena_size_ = 0;
}

std::optional<std::size_t> records::column_index(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < column_count(); ++i)
    if ((*names_)[i] == name) return i;
  return std::nullopt;
}

std::size_t records::require_column(std::string_view name) const {
  if (auto i = column_index(name)) return *i;
  std::string names;
  for (std::size_t i = 0; i < column_count(); ++i) names += (names.empty() ? "" : ", ") + (*names_)[i];
  throw error(error_category::not_found,
              fmt::format("no column \"{}\" in this result; it has: {}", name, names));
}

record records::at(std::size_t row) const {
  if (row >= rows_)
    throw error(error_category::not_found,
                fmt::format("row {} is past the end of a result of {} rows", row, rows_));
  return record(this, row);
}

// Geometric, like add's growth: a caller that reserves one more row at a time (a decoder
// fed one row per result) must not copy every column block on each row.
void records::reserve(std::size_t rows, std::size_t arena_bytes) {
  if (rows > capacity_) grow(std::max(rows, capacity_ * 2));
  if (arena_bytes > arena_capacity_) grow_arena(arena_bytes);
}

// Moves the text out of line, or to a larger block; amortised by doubling. big_arena_ is
// sized to its whole capacity, so that add_arena writes into it without a call.
void records::grow_arena(std::size_t bytes) {
  const std::size_t capacity = std::max<std::size_t>({256, bytes, 2 * arena_capacity_});
  if (arena_ == small_arena_) {
    big_arena_.assign(small_arena_, small_arena_ + arena_size_);
    big_arena_.resize(capacity);
  } else {
    big_arena_.resize(capacity);
  }
  arena_ = big_arena_.data();
  arena_capacity_ = capacity;
}

// Moves every column block to a larger allocation; amortised by doubling.
void records::grow(std::size_t rows) {
  const std::size_t ncols = column_count();
  if (ncols * rows <= small_cells && cells_ == small_cells_) {
    // Spread the blocks out in place, last column first so nothing is overwritten.
    for (std::size_t c = ncols; c-- > 1;)
      std::copy_backward(small_cells_ + c * capacity_, small_cells_ + c * capacity_ + rows_,
                         small_cells_ + c * rows + rows_);
    capacity_ = rows;
    return;
  }
  decltype(big_cells_) bigger(ncols * rows);
  for (std::size_t c = 0; c < ncols; ++c)
    std::copy_n(cells_ + c * capacity_, rows_, bigger.begin() + static_cast<std::ptrdiff_t>(c * rows));
  big_cells_.swap(bigger);
  cells_ = big_cells_.data();
  capacity_ = rows;
}

void records::too_many_cells() const {
  throw error(error_category::usage, "more cells than columns in a row");
}

void records::short_row() const {
  throw error(error_category::usage,
              fmt::format("a row has {} cells for {} columns", cursor_, column_count()));
}

void records::add_date(date d) {
  auto& c = next_cell();
  c.kind = value_kind::date;
  c.payload = static_cast<std::uint64_t>(static_cast<std::int64_t>(d.days));
}
void records::add_time(time_of_day t) {
  auto& c = next_cell();
  c.kind = value_kind::time;
  c.payload = static_cast<std::uint64_t>(t.micros);
}
void records::add_timestamp(timestamp t) {
  auto& c = next_cell();
  c.kind = value_kind::timestamp;
  c.aux = t.offset_minutes;
  c.payload = static_cast<std::uint64_t>(t.micros);
}

void records::add_arena_slow(value_kind kind, const void* data, std::size_t size) {
  grow_arena(arena_size_ + size);
  add_arena(kind, data, size);
}

void records::add_bytes(const void* data, std::size_t size) { add_arena(value_kind::bytes, data, size); }
void records::add_decimal(std::string_view s) { add_arena(value_kind::decimal, s.data(), s.size()); }
void records::add_uuid(const uuid& u) { add_arena(value_kind::uuid, u.octets.data(), 16); }
void records::add_json(std::string_view s) {
  // Arrays and objects share one stored form; the kind is read from the first character.
  auto first = s.find_first_not_of(" \t\r\n");
  bool is_array = first != std::string_view::npos && s[first] == '[';
  add_arena(is_array ? value_kind::array : value_kind::object, s.data(), s.size());
}

void records::add(const value& v) {
  switch (v.kind()) {
    case value_kind::null: add_null(); break;
    case value_kind::boolean: add_bool(v.as_bool()); break;
    case value_kind::integer: add_int(v.as_int()); break;
    case value_kind::real: add_double(v.as_double()); break;
    case value_kind::decimal: add_decimal(v.as_decimal().text); break;
    case value_kind::string: add_text(v.as_string()); break;
    case value_kind::bytes: add_bytes(v.as_bytes().data.data(), v.as_bytes().data.size()); break;
    case value_kind::date: add_date(v.as_date()); break;
    case value_kind::time: add_time(v.as_time()); break;
    case value_kind::timestamp: add_timestamp(v.as_timestamp()); break;
    case value_kind::uuid: add_uuid(v.as_uuid()); break;
    case value_kind::array:
    case value_kind::object: add_json(v.to_json()); break;
  }
}

void records::bad_column(std::size_t col) const {
  throw error(error_category::not_found,
              fmt::format("column {} is past the end of a result of {} columns", col, column_count()));
}

std::string_view records::arena_view(const cell& c) const {
  return std::string_view(arena_ + c.payload, c.length);
}

value records::get(std::size_t row, std::size_t col) const {
  const cell& c = cell_at(row, col);
  switch (c.kind) {
    case value_kind::null: return nullptr;
    case value_kind::boolean: return c.payload != 0;
    case value_kind::integer: return static_cast<std::int64_t>(c.payload);
    case value_kind::real: {
      double d;
      std::memcpy(&d, &c.payload, sizeof d);
      return d;
    }
    case value_kind::decimal: return decimal{std::string(arena_view(c))};
    case value_kind::string: return std::string(arena_view(c));
    case value_kind::bytes: {
      auto s = arena_view(c);
      return bytes{std::vector<std::uint8_t>(s.begin(), s.end())};
    }
    case value_kind::date: return date{static_cast<std::int32_t>(c.payload)};
    case value_kind::time: return time_of_day{static_cast<std::int64_t>(c.payload)};
    case value_kind::timestamp:
      return timestamp{static_cast<std::int64_t>(c.payload), c.aux};
    case value_kind::uuid: {
      uuid u;
      std::memcpy(u.octets.data(), arena_view(c).data(), 16);
      return u;
    }
    case value_kind::array:
    case value_kind::object: return value::from_json(arena_view(c));
  }
  return nullptr;
}

void records::append_json(std::string& out) const {
  out += '[';
  for (std::size_t r = 0; r < rows_; ++r) {
    if (r) out += ',';
    out += '{';
    for (std::size_t c = 0; c < column_count(); ++c) {
      if (c) out += ',';
      detail::append_json_string(out, (*names_)[c]);
      out += ':';
      const cell& x = cell_at(r, c);
      switch (x.kind) {
        case value_kind::string: detail::append_json_string(out, arena_view(x)); break;
        case value_kind::array:
        case value_kind::object: out += arena_view(x); break;
        case value_kind::integer:
          fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(x.payload));
          break;
        default: get(r, c).append_json(out);
      }
    }
    out += '}';
  }
  out += ']';
}

std::string records::to_json() const {
  std::string out;
  append_json(out);
  return out;
}

value records::to_value() const {
  array rows;
  rows.reserve(rows_);
  for (std::size_t r = 0; r < rows_; ++r) rows.push_back(record(this, r).to_value());
  return rows;
}

// --- record ---------------------------------------------------------------------------

std::size_t record::size() const noexcept { return owner_->column_count(); }
std::string_view record::name(std::size_t column) const { return owner_->column_name(column); }
bool record::is_null(std::size_t column) const {
  return owner_->cell_at(row_, column).kind == value_kind::null;
}
bool record::is_null(std::string_view column) const {
  return is_null(owner_->require_column(column));
}
value_kind record::kind(std::string_view column) const {
  return owner_->cell_at(row_, owner_->require_column(column)).kind;
}
value record::operator[](std::string_view column) const {
  return owner_->get(row_, owner_->require_column(column));
}
value record::at(std::size_t column) const { return owner_->get(row_, column); }

value record::to_value() const {
  object o;
  o.reserve(size());
  for (std::size_t c = 0; c < size(); ++c) o.emplace_back(std::string(name(c)), at(c));
  return o;
}

std::string record::to_json() const { return to_value().to_json(); }

namespace {

[[noreturn]] void typed_mismatch(std::string_view column, std::string_view want, value_kind have) {
  throw error(error_category::usage,
              fmt::format("column \"{}\" holds {}, not {}", column, to_string(have), want));
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

}  // namespace

template <class T>
T record::get_any(std::size_t col) const {
  const auto& c = owner_->cell_at(row_, col);
  auto name_of = [&] { return owner_->column_name(col); };
  if constexpr (is_optional<T>::value) {
    if (c.kind == value_kind::null) return std::nullopt;
    return get<typename T::value_type>(col);
  } else if constexpr (std::is_same_v<T, value>) {
    return owner_->get(row_, col);
  } else {
    if (c.kind == value_kind::null)
      throw error(error_category::usage,
                  fmt::format("column \"{}\" is null; read it as std::optional", name_of()));
    if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, int>) {
      if (c.kind == value_kind::integer) return static_cast<T>(static_cast<std::int64_t>(c.payload));
      if (c.kind == value_kind::boolean) return static_cast<T>(c.payload);
      typed_mismatch(name_of(), "an integer", c.kind);
    } else if constexpr (std::is_same_v<T, double>) {
      if (c.kind == value_kind::real) {  // the bits are inline: no value to build
        double d;
        std::memcpy(&d, &c.payload, sizeof d);
        return d;
      }
      if (c.kind == value_kind::integer) return static_cast<double>(static_cast<std::int64_t>(c.payload));
      if (c.kind == value_kind::decimal) return owner_->get(row_, col).as_double();
      typed_mismatch(name_of(), "a double", c.kind);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (c.kind == value_kind::boolean || c.kind == value_kind::integer) return c.payload != 0;
      typed_mismatch(name_of(), "a boolean", c.kind);
    } else if constexpr (std::is_same_v<T, std::string_view> || std::is_same_v<T, std::string>) {
      if (c.kind == value_kind::string || c.kind == value_kind::decimal ||
          c.kind == value_kind::array || c.kind == value_kind::object)
        return T(owner_->arena_view(c));
      if constexpr (std::is_same_v<T, std::string>) {
        auto v = owner_->get(row_, col);
        switch (c.kind) {
          case value_kind::date: return v.as_date().to_string();
          case value_kind::time: return v.as_time().to_string();
          case value_kind::timestamp: return v.as_timestamp().to_string();
          case value_kind::uuid: return v.as_uuid().to_string();
          default: break;
        }
      }
      typed_mismatch(name_of(), "a string", c.kind);
    } else {
      // The usual cell of each type is read from its bits, building no value.
      if constexpr (std::is_same_v<T, decimal>) {
        if (c.kind == value_kind::decimal) return decimal{std::string(owner_->arena_view(c))};
      } else if constexpr (std::is_same_v<T, date>) {
        if (c.kind == value_kind::date) return date{static_cast<std::int32_t>(static_cast<std::int64_t>(c.payload))};
      } else if constexpr (std::is_same_v<T, time_of_day>) {
        if (c.kind == value_kind::time) return time_of_day{static_cast<std::int64_t>(c.payload)};
      } else if constexpr (std::is_same_v<T, timestamp>) {
        if (c.kind == value_kind::timestamp) return timestamp{static_cast<std::int64_t>(c.payload), c.aux};
      }
      auto v = owner_->get(row_, col);
      if constexpr (std::is_same_v<T, decimal>) {
        if (c.kind == value_kind::integer) return decimal{std::to_string(v.as_int())};
        return v.as_decimal();
      } else if constexpr (std::is_same_v<T, date>) {
        return v.as_date();
      } else if constexpr (std::is_same_v<T, time_of_day>) {
        return v.as_time();
      } else if constexpr (std::is_same_v<T, timestamp>) {
        return v.as_timestamp();
      } else if constexpr (std::is_same_v<T, uuid>) {
        return v.as_uuid();
      } else if constexpr (std::is_same_v<T, bytes>) {
        return v.as_bytes();
      }
    }
  }
}

template <class T>
T record::get(std::string_view column) const {
  return get<T>(owner_->require_column(column));
}

#define TETHER_RECORD_GET(T)                                   \
  template T record::get_any<T>(std::size_t) const;            \
  template T record::get<T>(std::string_view) const;           \
  template std::optional<T> record::get_any<std::optional<T>>(std::size_t) const; \
  template std::optional<T> record::get<std::optional<T>>(std::string_view) const;
TETHER_RECORD_GET(std::int64_t)
TETHER_RECORD_GET(int)
TETHER_RECORD_GET(double)
TETHER_RECORD_GET(bool)
TETHER_RECORD_GET(std::string)
TETHER_RECORD_GET(std::string_view)
TETHER_RECORD_GET(decimal)
TETHER_RECORD_GET(date)
TETHER_RECORD_GET(time_of_day)
TETHER_RECORD_GET(timestamp)
TETHER_RECORD_GET(uuid)
TETHER_RECORD_GET(bytes)
TETHER_RECORD_GET(value)
#undef TETHER_RECORD_GET

}  // namespace tether
