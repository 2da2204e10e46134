// The value type: construction, typed access, equality.
#include "tether/value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "tether/error.hpp"

namespace tether {

std::string_view to_string(value_kind kind) noexcept {
  switch (kind) {
    case value_kind::null: return "null";
    case value_kind::boolean: return "boolean";
    case value_kind::integer: return "integer";
    case value_kind::real: return "double";
    case value_kind::decimal: return "decimal";
    case value_kind::string: return "string";
    case value_kind::bytes: return "bytes";
    case value_kind::date: return "date";
    case value_kind::time: return "time";
    case value_kind::timestamp: return "timestamp";
    case value_kind::uuid: return "uuid";
    case value_kind::array: return "array";
    case value_kind::object: return "object";
    case value_kind::object_id: return "object_id";
  }
  return "unknown";
}

namespace {
bool is_pair(const value& v) {
  return v.is_array() && v.size() == 2 && v[std::size_t{0}].is_string();
}

[[noreturn]] void kind_mismatch(value_kind want, value_kind have) {
  throw error(error_category::usage,
              fmt::format("the value is {}, not {}", to_string(have), to_string(want)));
}
}  // namespace

value::value(std::initializer_list<value> items) {
  bool all_pairs = items.size() > 0;
  for (const auto& item : items) {
    if (!is_pair(item)) {
      all_pairs = false;
      break;
    }
  }
  if (!all_pairs) {
    v_ = tether::array(items);
    return;
  }
  tether::object obj;
  obj.reserve(items.size());
  for (const auto& item : items) {
    const auto& pair = std::get<tether::array>(item.v_);
    obj.emplace_back(std::get<std::string>(pair[0].v_), pair[1]);
  }
  v_ = std::move(obj);
}

void value::mismatch(value_kind wanted) const { kind_mismatch(wanted, kind()); }

std::int64_t value::whole_decimal() const {
  if (auto* d = std::get_if<tether::decimal>(&v_)) {
    std::string_view t = d->text;
    if (auto dot = t.find('.'); dot != std::string_view::npos) {
      if (t.find_first_not_of('0', dot + 1) != std::string_view::npos) mismatch(value_kind::integer);
      t = t.substr(0, dot);
    }
    std::int64_t v = 0;
    auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (r.ec == std::errc{} && r.ptr == t.data() + t.size()) return v;
  }
  mismatch(value_kind::integer);
}

double value::as_double() const {
  if (auto* d = std::get_if<double>(&v_)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
  if (auto* d = std::get_if<tether::decimal>(&v_)) return std::stod(d->text);
  kind_mismatch(value_kind::real, kind());
}


#define TETHER_TYPED_ACCESS(ret, name, type, k)        \
  ret value::name() const {                            \
    if (auto* p = std::get_if<type>(&v_)) return *p;   \
    kind_mismatch(value_kind::k, kind());              \
  }
TETHER_TYPED_ACCESS(const tether::decimal&, as_decimal, tether::decimal, decimal)
TETHER_TYPED_ACCESS(const tether::bytes&, as_bytes, tether::bytes, bytes)
TETHER_TYPED_ACCESS(tether::date, as_date, tether::date, date)
TETHER_TYPED_ACCESS(time_of_day, as_time, time_of_day, time)
TETHER_TYPED_ACCESS(tether::timestamp, as_timestamp, tether::timestamp, timestamp)
TETHER_TYPED_ACCESS(tether::uuid, as_uuid, tether::uuid, uuid)
TETHER_TYPED_ACCESS(tether::object_id, as_object_id, tether::object_id, object_id)
TETHER_TYPED_ACCESS(const tether::array&, as_array, tether::array, array)
TETHER_TYPED_ACCESS(const tether::object&, as_object, tether::object, object)
#undef TETHER_TYPED_ACCESS

tether::array& value::as_array() {
  if (auto* p = std::get_if<tether::array>(&v_)) return *p;
  kind_mismatch(value_kind::array, kind());
}

tether::object& value::as_object() {
  if (auto* p = std::get_if<tether::object>(&v_)) return *p;
  kind_mismatch(value_kind::object, kind());
}

const value* value::find(std::string_view key) const noexcept {
  if (auto* o = std::get_if<tether::object>(&v_)) {
    for (const auto& [k, v] : *o)
      if (k == key) return &v;
  }
  return nullptr;
}

const value& value::operator[](std::string_view key) const {
  if (const value* v = find(key)) return *v;
  throw error(error_category::not_found, fmt::format("no member \"{}\" in this {} value", key,
                                                     to_string(kind())));
}

const value& value::operator[](std::size_t index) const {
  const auto& a = as_array();
  if (index >= a.size())
    throw error(error_category::not_found,
                fmt::format("index {} is past the end of an array of {}", index, a.size()));
  return a[index];
}

std::size_t value::size() const noexcept {
  if (auto* a = std::get_if<tether::array>(&v_)) return a->size();
  if (auto* o = std::get_if<tether::object>(&v_)) return o->size();
  return 0;
}

std::size_t value::depth(std::size_t limit) const {
  std::size_t deepest = 0;
  std::vector<std::pair<const value*, std::size_t>> todo{{this, 0}};
  while (!todo.empty()) {
    auto [v, level] = todo.back();
    todo.pop_back();
    if (v->is_scalar()) continue;
    deepest = std::max(deepest, level + 1);
    if (deepest > limit) return deepest;
    if (const auto* a = std::get_if<tether::array>(&v->v_))
      for (const auto& e : *a) todo.emplace_back(&e, level + 1);
    else
      for (const auto& [_, m] : std::get<tether::object>(v->v_)) todo.emplace_back(&m, level + 1);
  }
  return deepest;
}

void value::release_nested() noexcept {
  // A shallow value is freed by the ordinary destructor, recursing once per level: each
  // level below counts itself on this thread. Past that many levels, what is left is
  // taken apart from a list instead, so the depth of a value never becomes the depth of
  // the stack (a value built in C++ may nest deeper than max_nesting_depth).
  constexpr int recursive_levels = 64;
  thread_local int levels = 0;
  if (levels < recursive_levels) {
    ++levels;
    if (auto* a = std::get_if<tether::array>(&v_))
      a->clear();  // the elements, one level down; the buffer goes with the variant
    else
      std::get<tether::object>(v_).clear();
    --levels;
    return;
  }
  auto take_children = [](value& v, std::vector<value>& into) {
    if (auto* a = std::get_if<tether::array>(&v.v_)) {
      for (auto& e : *a)
        if (!e.is_scalar()) into.push_back(std::move(e));
      a->clear();
    } else if (auto* o = std::get_if<tether::object>(&v.v_)) {
      for (auto& m : *o)
        if (!m.second.is_scalar()) into.push_back(std::move(m.second));
      o->clear();
    }
  };
  try {
    std::vector<value> todo;
    take_children(*this, todo);
    while (!todo.empty()) {
      value v = std::move(todo.back());
      todo.pop_back();
      take_children(v, todo);
    }
  } catch (...) {
    // Out of memory for the list: the rest is freed by recursion.
  }
}

bool operator==(const value& a, const value& b) { return a.v_ == b.v_; }

std::string value::to_text() const {
  switch (kind()) {
    case value_kind::null: return {};
    case value_kind::string: return as_string();
    case value_kind::decimal: return as_decimal().text;
    case value_kind::date: return as_date().to_string();
    case value_kind::time: return as_time().to_string();
    case value_kind::timestamp: return as_timestamp().to_string();
    case value_kind::uuid: return as_uuid().to_string();
    case value_kind::object_id: return as_object_id().to_string();
    default: return to_json();
  }
}

}  // namespace tether
