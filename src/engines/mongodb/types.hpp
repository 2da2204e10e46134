// tether values ↔ BSON, both directions, in one place (the MongoDB engine):
//   null → null; boolean → bool; integer → int32 when it fits, else int64 (as MongoDB's
//   own drivers write whole numbers); real → double (a zero as +0.0; NaN and ±infinity
//   are refused, as on every engine); decimal → Decimal128 (at most 34 significant digits:
//   more is refused, not rounded); string → string; bytes → binary (subtype 0); uuid →
//   binary (subtype 4); timestamp → date, in UTC milliseconds (BSON keeps no offset, so it
//   reads back in UTC; one with microseconds is refused, not rounded); date → date at
//   midnight UTC; time → its text "HH:MM:SS[.ffffff]" (BSON has no time of day); array →
//   array; object → document (at most 100 levels deep, MongoDB's own limit).
// Reading goes by the field's declared type where tether knows it (a date field's date
// reads as a date, a time field's text as a time, a decimal field's numbers as decimals,
// an integer field's whole doubles as integers, as JavaScript writes numbers past int32),
// else by the BSON type: int32/int64 → integer, double → real, Decimal128 → decimal,
// date → timestamp (UTC), binary subtype 4 or 3 of 16 bytes → uuid, other binary → bytes,
// ObjectId → its 24 hex digits (a value kind of its own comes with the engine). BSON types
// tether has no value for (regex, code, min/max key, the internal timestamp, …) are an
// error naming the field.
#pragma once

#include <bson/bson.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tether/engine/schema.hpp"
#include "tether/value.hpp"

namespace tether::detail::mongodb {

// The time now as a BSON date holds it: milliseconds since 1970 (UTC).
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The deepest document MongoDB stores (its BSON depth limit).
inline constexpr std::size_t max_document_depth = 100;

// Appends `v` to `doc` under `key`; throws tether::error (usage) naming `field` for what
// BSON or MongoDB cannot hold as tether means it (see above). `depth`: of `doc` itself.
void append_value(bson_t* doc, std::string_view key, const value& v, std::string_view field, std::size_t depth = 1);

// The value at `it`, read as the field `declared` when tether knows it; throws
// tether::error (unsupported) naming `field` for a BSON type tether has no value for.
value read_value(const bson_iter_t& it, const engine::field_def* declared, std::string_view field);

// A whole document as an object, its fields in stored order.
value read_document(const bson_t& doc);

// The document as MongoDB's canonical Extended JSON (what the golden tests pin).
std::string canonical_json(const bson_t& doc);

}  // namespace tether::detail::mongodb
