#include "types.hpp"

#include <array>

namespace tether::detail::sqlite {
namespace {
// In field_type order. DECIMAL_TEXT has TEXT affinity: plain DECIMAL has NUMERIC
// affinity, which would store '1.10' as the real 1.1.
constexpr std::array<std::string_view, 19> declared{
    "INTEGER",      // integer
    "BIGINT",       // bigint (INTEGER affinity: contains INT)
    "SMALLINT",     // smallint
    "REAL",         // float
    "DOUBLE",       // double
    "DECIMAL_TEXT", // decimal
    "VARCHAR",      // string
    "TEXT",         // text
    "BOOLEAN",      // boolean
    "DATE",         // date
    "TIME",         // time
    "DATETIME",     // datetime
    "TIMESTAMP",    // timestamp
    "JSON",         // json
    "UUID",         // uuid
    "TEXT",         // enum (values enforced by a CHECK constraint)
    "JSON",         // array
    "BLOB",         // binary
    "BLOB",         // blob
};
}  // namespace

std::string_view column_type(field_type t) noexcept { return declared[static_cast<std::size_t>(t)]; }

}  // namespace tether::detail::sqlite
