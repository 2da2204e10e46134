// Bulk inserts on MariaDB by array binding (Connector/C's bulk execution): one prepared
// single-row INSERT, sent with a column of values per parameter, 10,000 rows an execution.
#include <cmath>

#include "connection.hpp"
#include "dialect.hpp"
#include "error.hpp"

namespace tether::detail::mysql {

namespace {

constexpr std::size_t bulk_rows = 10'000;

// One parameter's column of values for array binding.
struct bulk_column {
  enum_field_types type = MYSQL_TYPE_NULL;
  std::vector<std::int64_t> integers;
  std::vector<double> reals;
  std::vector<char*> pointers;
  std::vector<unsigned long> lengths;
  std::vector<MYSQL_TIME> times;
  std::vector<std::string> texts;  // values written out (decimals, uuids, json)
  std::vector<char> indicators;
};

enum_field_types bulk_type(const value& v) {
  switch (v.kind()) {
    case value_kind::null: return MYSQL_TYPE_NULL;
    case value_kind::boolean: case value_kind::integer: return MYSQL_TYPE_LONGLONG;
    case value_kind::real: return MYSQL_TYPE_DOUBLE;
    case value_kind::decimal: return MYSQL_TYPE_NEWDECIMAL;
    case value_kind::bytes: return MYSQL_TYPE_BLOB;
    case value_kind::date: return MYSQL_TYPE_DATE;
    case value_kind::time: return MYSQL_TYPE_TIME;
    case value_kind::timestamp: return MYSQL_TYPE_DATETIME;
    default: return MYSQL_TYPE_STRING;  // strings, uuids, arrays and objects (JSON)
  }
}

struct mixed_kinds {};  // a column that cannot bind as one type: the rows go the usual way

}  // namespace

// One pass per batch: each cell is checked, written into its column and counted toward
// the packet size as it is read.
bool connection::insert_bulk(const engine::plan& p, engine::execution& e) {
  const std::size_t ncols = p.columns.size();
  std::vector<bulk_column> cols(ncols);
  std::vector<bool> json(ncols);  // JSON columns take every value as its JSON text
  for (const auto& name : json_of(p))
    for (std::size_t c = 0; c < ncols; ++c) json[c] = json[c] || p.columns[c] == name;
  for (auto& k : cols) {
    const std::size_t n = std::min(bulk_rows, p.row_count);
    k.indicators.resize(n);
    k.integers.resize(n);
    k.reals.resize(n);
    k.pointers.resize(n);
    k.lengths.resize(n);
  }
  auto body = [&] {
    engine::execution out;
    std::string cache_key(p.shape.view());
    cache_key += "#bulk";
    std::vector<MYSQL_BIND> binds(ncols);
    for (std::size_t start = 0; start < p.row_count;) {
      std::size_t n = 0, bytes = 0;
      for (; start + n < p.row_count && n < bulk_rows && (n == 0 || bytes <= max_packet_ / 2); ++n) {
        for (std::size_t c = 0; c < ncols; ++c) {
          bulk_column& k = cols[c];
          const value& v = p.cell(start + n, c);
          const enum_field_types type = json[c] && !v.is_null() ? MYSQL_TYPE_STRING : bulk_type(v);
          bytes += 16;
          if (type == MYSQL_TYPE_NULL) {
            k.indicators[n] = STMT_INDICATOR_NULL;
            continue;
          }
          if (k.type != type) {
            if (k.type != MYSQL_TYPE_NULL) throw mixed_kinds{};
            k.type = type;
          }
          k.indicators[n] = STMT_INDICATOR_NONE;
          auto text = [&](std::string t) {
            if (k.texts.size() < k.pointers.size()) k.texts.resize(k.pointers.size());
            k.texts[n] = std::move(t);
            k.pointers[n] = k.texts[n].data();
            k.lengths[n] = k.texts[n].size();
            bytes += k.lengths[n];
          };
          if (json[c]) {
            text(v.to_json());  // a string is a JSON string, never parsed as a document
            continue;
          }
          switch (v.kind()) {
            case value_kind::boolean: k.integers[n] = v.as_bool() ? 1 : 0; break;
            case value_kind::integer: k.integers[n] = v.as_int(); break;
            case value_kind::real:
              if (!std::isfinite(v.as_double())) throw mixed_kinds{};  // the usual path says why
              k.reals[n] = v.as_double();
              break;
            case value_kind::string:
              k.pointers[n] = const_cast<char*>(v.as_string().data());
              k.lengths[n] = v.as_string().size();
              bytes += k.lengths[n];
              break;
            case value_kind::bytes:
              static char none = 0;  // an empty vector has no address; a null one is sent as NULL
              k.pointers[n] = v.as_bytes().data.empty()
                                  ? &none
                                  : reinterpret_cast<char*>(const_cast<std::uint8_t*>(v.as_bytes().data.data()));
              k.lengths[n] = v.as_bytes().data.size();
              bytes += k.lengths[n];
              break;
            case value_kind::date: case value_kind::time: case value_kind::timestamp:
              if (k.times.size() < k.pointers.size()) k.times.resize(k.pointers.size());
              fill_time(k.times[n], v);
              k.pointers[n] = reinterpret_cast<char*>(&k.times[n]);
              break;
            case value_kind::decimal: text(v.as_decimal().text); break;
            case value_kind::uuid: text(v.as_uuid().to_string()); break;
            case value_kind::object_id: text(v.as_object_id().to_string()); break;
            default: text(v.to_json()); break;
          }
        }
      }
      for (std::size_t c = 0; c < ncols; ++c) {
        bulk_column& k = cols[c];
        MYSQL_BIND& b = binds[c];
        b = MYSQL_BIND{};
        b.buffer_type = k.type == MYSQL_TYPE_NULL ? MYSQL_TYPE_LONGLONG : k.type;  // all null so far: any type
        b.u.indicator = k.indicators.data();
        switch (b.buffer_type) {
          case MYSQL_TYPE_LONGLONG: b.buffer = k.integers.data(); break;
          case MYSQL_TYPE_DOUBLE: b.buffer = k.reals.data(); break;
          default:  // variable-length types and MYSQL_TIME: an array of pointers
            b.buffer = k.pointers.data();
            b.length = k.lengths.data();
        }
      }
      cached& c = prepare(cache_key, [&] { return sql::render_insert(p, *dialect_, 1, json_of(p)); });
      unsigned size = static_cast<unsigned>(n);
      if (mysql_stmt_attr_set(c.stmt, STMT_ATTR_ARRAY_SIZE, &size) || mysql_stmt_bind_param(c.stmt, binds.data()))
        throw_error(c.stmt, c.text);
      struct single {  // the cached statement runs one row at a time again afterwards
        MYSQL_STMT* s;
        ~single() {
          unsigned zero = 0;
          mysql_stmt_attr_set(s, STMT_ATTR_ARRAY_SIZE, &zero);
        }
      } reset{c.stmt};
      run(c, start);
      out.affected += static_cast<std::int64_t>(mysql_stmt_affected_rows(c.stmt));
      start += n;
    }
    return out;
  };
  try {
    e = in_unit(body);  // all rows or none, however many executions it takes
  } catch (const mixed_kinds&) {
    return false;  // the unit was rolled back before anything stayed
  }
  return true;
}

}  // namespace tether::detail::mysql
