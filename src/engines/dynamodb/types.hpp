// tether values ↔ DynamoDB attribute values, both directions, in one place:
//   null → NULL, boolean → BOOL, integer/real/decimal → N (its exact text),
//   string → S, bytes → B (base64), array → L, object → M,
//   date, time, timestamp, uuid → S in their ISO/canonical text (read back by the
//   field's declared type; a table tether did not make reads them as strings).
// Sets (SS, NS, BS) read as arrays.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>

#include "tether/engine/schema.hpp"
#include "tether/records.hpp"
#include "tether/types.hpp"
#include "tether/value.hpp"

namespace tether::detail::dynamodb {

using json = nlohmann::json;

// Throws tether::error (usage) naming `field` for what DynamoDB cannot hold (NaN, ±inf).
json to_attribute(const value& v, std::string_view field);
// What a field tether recorded stores, as a SQL column would: a decimal rounded to the
// field's scale (half away from zero), an enum's value checked against its list (else
// tether::error, check_violation, naming the field). Without a field, to_attribute.
json to_attribute(const value& v, const engine::field_def* declared, std::string_view field);
// The field of that name tether recorded for the table, or nullptr.
const engine::field_def* declared_field(const engine::table_description& t, std::string_view field);
// The value of an attribute, read as the field `declared` when tether knows it. DynamoDB
// normalises numbers (12.50 is kept as 12.5): a decimal field's scale pads it back.
value from_attribute(const json& a, const engine::field_def* declared = nullptr);
// The key of an item, as GetItem, UpdateItem and DeleteItem take it.
json key_in(const json& item, const engine::table_description& t);
// "SS", "NS" or "BS" when the attribute is a set; else "".
std::string set_kind(const json& attribute);
// The one-element set of `set_type` ("SS", "NS", "BS") holding `v`, for ADD and DELETE;
// tether::error (usage) naming table.field when `v` is not of the set's kind.
json set_of(const std::string& set_type, const value& v, std::string_view table, std::string_view field);
// The attribute type a key of this field type has: "S", "N" or "B".
const char* key_type(field_type t);

}  // namespace tether::detail::dynamodb
