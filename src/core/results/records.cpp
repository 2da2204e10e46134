// Columnar result storage and typed access; the builder engines fill it with.
#include "tether/records.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/results/records_builder.hpp"
#include "core/values/json_text.hpp"
#include "tether/error.hpp"

namespace tether {

using detail::records_builder;
using detail::records_cell;

namespace detail {

void records_cells_free::operator()(records_cell* cells) const noexcept { delete[] cells; }

void records_builder::adopt(records& to, const records& o) {
  to.names_ = o.names_;
  to.relations_ = o.relations_;
  to.ncols_ = o.ncols_;
  to.capacity_ = o.capacity_;
  to.rows_ = o.rows_;
  to.cursor_ = o.cursor_;
  to.arena_size_ = o.arena_size_;
  const std::size_t ncells = to.ncols_ * to.capacity_;
  if (o.cells_ == reinterpret_cast<const records_cell*>(o.small_cells_)) {
    std::memcpy(to.small_cells_, o.small_cells_, ncells * sizeof(records_cell));
    to.cells_ = small_cells(to);
  } else {
    if (to.big_cells_size_ < ncells) {
      to.big_cells_.reset(new records_cell[ncells]);
      to.big_cells_size_ = ncells;
    }
    std::copy_n(o.cells_, ncells, to.big_cells_.get());
    to.cells_ = to.big_cells_.get();
  }
  if (o.arena_ == o.small_arena_) {
    std::memcpy(to.small_arena_, o.small_arena_, to.arena_size_);
    to.arena_ = to.small_arena_;
    to.arena_capacity_ = records::small_arena;
  } else {
    to.big_arena_.reset(new char[o.arena_size_ ? o.arena_size_ : 1]);
    std::memcpy(to.big_arena_.get(), o.arena_, o.arena_size_);
    to.arena_ = to.big_arena_.get();
    to.arena_capacity_ = o.arena_size_;
  }
}

void records_builder::steal(records& to, records& o) noexcept {
  to.names_ = std::move(o.names_);
  to.relations_ = std::move(o.relations_);
  to.ncols_ = o.ncols_;
  to.capacity_ = o.capacity_;
  to.rows_ = o.rows_;
  to.cursor_ = o.cursor_;
  to.arena_size_ = o.arena_size_;
  // The inline blocks are copied whole: a fixed size is a few moves, where the used size
  // would cost a memcpy call. An empty result (an insert's) copies nothing.
  if (o.cells_ == small_cells(o)) {
    if (o.rows_ || o.cursor_) std::memcpy(to.small_cells_, o.small_cells_, sizeof to.small_cells_);
    to.cells_ = small_cells(to);
  } else {
    to.big_cells_ = std::move(o.big_cells_);
    to.big_cells_size_ = o.big_cells_size_;
    o.big_cells_size_ = 0;
    to.cells_ = to.big_cells_.get();
  }
  if (o.arena_ == o.small_arena_) {
    if (o.arena_size_) std::memcpy(to.small_arena_, o.small_arena_, sizeof to.small_arena_);
    to.arena_ = to.small_arena_;
    to.arena_capacity_ = records::small_arena;
  } else {
    to.big_arena_ = std::move(o.big_arena_);
    to.arena_ = to.big_arena_.get();
    to.arena_capacity_ = o.arena_capacity_;
  }
  o.cells_ = small_cells(o);
  o.arena_ = o.small_arena_;
  o.arena_capacity_ = records::small_arena;
  o.capacity_ = o.rows_ = o.cursor_ = o.arena_size_ = o.ncols_ = 0;
}

void records_builder::reset(std::shared_ptr<const std::vector<std::string>> column_names) noexcept {
  r_.names_ = std::move(column_names);
  r_.relations_.reset();
  r_.ncols_ = r_.names_ ? r_.names_->size() : 0;
  r_.capacity_ = small_capacity(r_.ncols_);
  r_.cells_ = small_cells(r_);
  r_.arena_ = r_.small_arena_;
  r_.arena_capacity_ = records::small_arena;
  r_.rows_ = r_.cursor_ = r_.arena_size_ = 0;
  r_.big_cells_.reset();
  r_.big_cells_size_ = 0;
  r_.big_arena_.reset();
}

void records_builder::restart(const std::shared_ptr<const std::vector<std::string>>& column_names) noexcept {
  if (r_.names_ != column_names) return reset(column_names);
  r_.rows_ = r_.cursor_ = r_.arena_size_ = 0;
  r_.relations_.reset();
}

// Geometric, like add's growth: a caller that reserves one more row at a time (a decoder
// fed one row per result) must not copy every column block on each row.
void records_builder::reserve(std::size_t rows, std::size_t arena_bytes) {
  if (rows > r_.capacity_) grow(std::max(rows, r_.capacity_ * 2));
  if (arena_bytes > r_.arena_capacity_) grow_arena(arena_bytes);
}

// Moves the text out of line, or to a larger block; amortised by doubling.
void records_builder::grow_arena(std::size_t bytes) {
  const std::size_t capacity = std::max<std::size_t>({256, bytes, 2 * r_.arena_capacity_});
  std::unique_ptr<char[]> bigger(new char[capacity]);
  if (r_.arena_size_) std::memcpy(bigger.get(), r_.arena_, r_.arena_size_);
  r_.big_arena_ = std::move(bigger);
  r_.arena_ = r_.big_arena_.get();
  r_.arena_capacity_ = capacity;
}

// Moves every column block to a larger allocation; amortised by doubling.
void records_builder::grow(std::size_t rows) {
  const std::size_t ncols = r_.ncols_;
  records_cell* small = small_cells(r_);
  if (ncols * rows <= records::small_cells && r_.cells_ == small) {
    // Spread the blocks out in place, last column first so nothing is overwritten.
    for (std::size_t c = ncols; c-- > 1;)
      std::copy_backward(small + c * r_.capacity_, small + c * r_.capacity_ + r_.rows_, small + c * rows + r_.rows_);
    r_.capacity_ = rows;
    return;
  }
  std::unique_ptr<records_cell[], records_cells_free> bigger(new records_cell[ncols * rows]);
  for (std::size_t c = 0; c < ncols; ++c) std::copy_n(r_.cells_ + c * r_.capacity_, r_.rows_, bigger.get() + c * rows);
  r_.big_cells_ = std::move(bigger);
  r_.big_cells_size_ = ncols * rows;
  r_.cells_ = r_.big_cells_.get();
  r_.capacity_ = rows;
}

void records_builder::too_many_cells() const {
  throw error(error_category::usage, "more cells than columns in a row");
}

void records_builder::short_row() const {
  throw error(error_category::usage, fmt::format("a row has {} cells for {} columns", r_.cursor_, r_.ncols_));
}

void records_builder::bad_column(const records& r, std::size_t col) {
  throw error(error_category::not_found,
              fmt::format("column {} is past the end of a result of {} columns", col, r.ncols_));
}

void records_builder::add_date(date d) {
  auto& c = next_cell();
  c.kind = value_kind::date;
  c.payload = static_cast<std::uint64_t>(static_cast<std::int64_t>(d.days));
}
void records_builder::add_time(time_of_day t) {
  auto& c = next_cell();
  c.kind = value_kind::time;
  c.payload = static_cast<std::uint64_t>(t.micros);
}
void records_builder::add_timestamp(timestamp t) {
  auto& c = next_cell();
  c.kind = value_kind::timestamp;
  c.aux = t.offset_minutes;
  c.payload = static_cast<std::uint64_t>(t.micros);
}

void records_builder::add_arena_slow(value_kind kind, const void* data, std::size_t size) {
  grow_arena(r_.arena_size_ + size);
  add_arena(kind, data, size);
}

void records_builder::add_bytes(const void* data, std::size_t size) { add_arena(value_kind::bytes, data, size); }
void records_builder::add_decimal(std::string_view s) { add_arena(value_kind::decimal, s.data(), s.size()); }
void records_builder::add_uuid(const uuid& u) { add_arena(value_kind::uuid, u.octets.data(), 16); }
void records_builder::add_object_id(const object_id& o) { add_arena(value_kind::object_id, o.octets.data(), 12); }
void records_builder::add_json(std::string_view s) {
  // Arrays and objects share one stored form; the kind is read from the first character.
  auto first = s.find_first_not_of(" \t\r\n");
  bool is_array = first != std::string_view::npos && s[first] == '[';
  add_arena(is_array ? value_kind::array : value_kind::object, s.data(), s.size());
}

void records_builder::add(const value& v) {
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
    case value_kind::object_id: add_object_id(v.as_object_id()); break;
    case value_kind::array:
    case value_kind::object: add_json(v.to_json()); break;
  }
}

}  // namespace detail

namespace {

const records_cell& cell_at(const records& r, std::size_t row, std::size_t col) {
  return records_builder::cell_at(r, row, col);
}
std::string_view arena_view(const records& r, const records_cell& c) { return records_builder::arena_view(r, c); }

}  // namespace

records::records(const records& o) { records_builder::adopt(*this, o); }
records::records(records&& o) noexcept { records_builder::steal(*this, o); }
records::~records() = default;
records& records::operator=(const records& o) {
  if (this != &o) records_builder::adopt(*this, o);
  return *this;
}
records& records::operator=(records&& o) noexcept {
  if (this != &o) records_builder::steal(*this, o);
  return *this;
}

records::records(std::vector<std::string> column_names)
    : names_(std::make_shared<const std::vector<std::string>>(std::move(column_names))),
      ncols_(names_->size()),
      capacity_(records_builder::small_capacity(ncols_)) {}

records::records(std::shared_ptr<const std::vector<std::string>> column_names) noexcept
    : names_(std::move(column_names)),
      ncols_(names_ ? names_->size() : 0),
      capacity_(records_builder::small_capacity(ncols_)) {}

std::optional<std::size_t> records::column_index(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < column_count(); ++i)
    if ((*names_)[i] == name) return i;
  return std::nullopt;
}

namespace {

std::size_t require_column(const records& r, std::string_view name) {
  if (auto i = r.column_index(name)) return *i;
  std::string names;
  for (std::size_t i = 0; i < r.column_count(); ++i) names += (names.empty() ? "" : ", ") + std::string(r.column_name(i));
  throw error(error_category::not_found, fmt::format("no column \"{}\" in this result; it has: {}", name, names));
}

}  // namespace

record records::at(std::size_t row) const {
  if (row >= rows_)
    throw error(error_category::not_found,
                fmt::format("row {} is past the end of a result of {} rows", row, rows_));
  return record(this, row);
}

value records::get(std::size_t row, std::size_t col) const {
  const records_cell& c = cell_at(*this, row, col);
  switch (c.kind) {
    case value_kind::null: return nullptr;
    case value_kind::boolean: return c.payload != 0;
    case value_kind::integer: return static_cast<std::int64_t>(c.payload);
    case value_kind::real: {
      double d;
      std::memcpy(&d, &c.payload, sizeof d);
      return d;
    }
    case value_kind::decimal: return decimal{std::string(arena_view(*this, c))};
    case value_kind::string: return std::string(arena_view(*this, c));
    case value_kind::bytes: {
      auto s = arena_view(*this, c);
      return bytes{std::vector<std::uint8_t>(s.begin(), s.end())};
    }
    case value_kind::date: return date{static_cast<std::int32_t>(c.payload)};
    case value_kind::time: return time_of_day{static_cast<std::int64_t>(c.payload)};
    case value_kind::timestamp:
      return timestamp{static_cast<std::int64_t>(c.payload), c.aux};
    case value_kind::uuid: {
      uuid u;
      std::memcpy(u.octets.data(), arena_view(*this, c).data(), 16);
      return u;
    }
    case value_kind::object_id: {
      object_id o;
      std::memcpy(o.octets.data(), arena_view(*this, c).data(), 12);
      return o;
    }
    case value_kind::array:
    case value_kind::object: return value::from_json(arena_view(*this, c));
  }
  return nullptr;
}

void records::append_json(std::string& out) const {
  out += '[';
  for (std::size_t r = 0; r < rows_; ++r) {
    if (r) out += ',';
    append_row_json(out, r);
  }
  out += ']';
}

// One row as a JSON object, then each relation an include read: an object or null for a
// many_to_one, a list for the others.
void records::append_row_json(std::string& out, std::size_t r) const {
  out += '{';
  for (std::size_t c = 0; c < column_count(); ++c) {
    if (c) out += ',';
    detail::append_json_string(out, (*names_)[c]);
    out += ':';
    const records_cell& x = cell_at(*this, r, c);
    switch (x.kind) {
      case value_kind::string: detail::append_json_string(out, arena_view(*this, x)); break;
      case value_kind::array:
      case value_kind::object: out += arena_view(*this, x); break;
      case value_kind::integer:
        fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(x.payload));
        break;
      default: get(r, c).append_json(out);
    }
  }
  if (relations_)
    for (const auto& part : relations_->parts) {
      if (column_count() || &part != &relations_->parts.front()) out += ',';
      detail::append_json_string(out, part.name);
      out += ':';
      const std::uint32_t from = part.offsets[r], to = part.offsets[r + 1];
      if (part.to_one) {
        if (from == to) out += "null";
        else part.rows.append_row_json(out, part.index[from]);
        continue;
      }
      out += '[';
      for (std::uint32_t i = from; i < to; ++i) {
        if (i != from) out += ',';
        part.rows.append_row_json(out, part.index[i]);
      }
      out += ']';
    }
  out += '}';
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
  return cell_at(*owner_, row_, column).kind == value_kind::null;
}
bool record::is_null(std::string_view column) const {
  return is_null(require_column(*owner_, column));
}
value_kind record::kind(std::string_view column) const {
  return cell_at(*owner_, row_, require_column(*owner_, column)).kind;
}
value record::operator[](std::string_view column) const {
  return owner_->get(row_, require_column(*owner_, column));
}
value record::at(std::size_t column) const { return owner_->get(row_, column); }

value record::to_value() const {
  object o;
  o.reserve(size());
  for (std::size_t c = 0; c < size(); ++c) o.emplace_back(std::string(name(c)), at(c));
  if (const auto* found = records_builder::relations_of(*owner_))
    for (const auto& part : found->parts) {
      const related_rows rows = related(part.name);
      if (part.to_one) {
        o.emplace_back(part.name, rows.empty() ? value() : rows[0].to_value());
        continue;
      }
      array list;
      list.reserve(rows.size());
      for (const record r : rows) list.push_back(r.to_value());
      o.emplace_back(part.name, value(std::move(list)));
    }
  return o;
}

std::string record::to_json() const {
  std::string out;
  owner_->append_row_json(out, row_);
  return out;
}

related_rows record::related(std::string_view relation) const {
  if (const auto* found = records_builder::relations_of(*owner_))
    for (const auto& part : found->parts)
      if (part.name == relation) {
        const std::uint32_t from = part.offsets[row_], to = part.offsets[row_ + 1];
        return related_rows(&part.rows, part.index.data() + from, to - from, part.to_one);
      }
  throw error(error_category::not_found,
              fmt::format("no relation \"{}\" in these records: give it in the find's include", relation));
}

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
T record::get(std::size_t col) const {
  const auto& c = cell_at(*owner_, row_, col);
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
        return T(arena_view(*owner_, c));
      if constexpr (std::is_same_v<T, std::string>) {
        auto v = owner_->get(row_, col);
        switch (c.kind) {
          case value_kind::date: return v.as_date().to_string();
          case value_kind::time: return v.as_time().to_string();
          case value_kind::timestamp: return v.as_timestamp().to_string();
          case value_kind::uuid: return v.as_uuid().to_string();
          case value_kind::object_id: return v.as_object_id().to_string();
          default: break;
        }
      }
      typed_mismatch(name_of(), "a string", c.kind);
    } else {
      // The usual cell of each type is read from its bits, building no value.
      if constexpr (std::is_same_v<T, decimal>) {
        if (c.kind == value_kind::decimal) return decimal{std::string(arena_view(*owner_, c))};
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
      } else if constexpr (std::is_same_v<T, object_id>) {
        return v.as_object_id();
      } else if constexpr (std::is_same_v<T, bytes>) {
        return v.as_bytes();
      }
    }
  }
}

template <class T>
T record::get(std::string_view column) const {
  return get<T>(require_column(*owner_, column));
}

#define TETHER_RECORD_GET(T)                                   \
  template T record::get<T>(std::size_t) const;                \
  template T record::get<T>(std::string_view) const;           \
  template std::optional<T> record::get<std::optional<T>>(std::size_t) const; \
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
TETHER_RECORD_GET(object_id)
TETHER_RECORD_GET(bytes)
TETHER_RECORD_GET(value)
#undef TETHER_RECORD_GET

}  // namespace tether
