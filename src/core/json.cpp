#include "core/json.hpp"

namespace riverlink::core {

std::string canonical(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::strict); }

Result<Json> parse_json(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return Error::make(ErrorKind::bad_request, "json.malformed",
                       "malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  }
}

std::string_view type_name(JsonType t) {
  switch (t) {
    case JsonType::string: return "string";
    case JsonType::integer: return "integer";
    case JsonType::number: return "number";
    case JsonType::boolean: return "boolean";
    case JsonType::object: return "object";
    case JsonType::array: return "array";
    case JsonType::any: return "any";
  }
  return "any";
}

namespace {
bool has_type(const Json& v, JsonType t) {
  switch (t) {
    case JsonType::string: return v.is_string();
    case JsonType::integer: return v.is_number_integer();
    case JsonType::number: return v.is_number();
    case JsonType::boolean: return v.is_boolean();
    case JsonType::object: return v.is_object();
    case JsonType::array: return v.is_array();
    case JsonType::any: return true;
  }
  return false;
}
}  // namespace

Status Shape::validate(const Json& j) const {
  if (!j.is_object()) {
    return Error::field("json.not_object", "", "the request body must be a JSON object");
  }
  Error err{ErrorKind::invalid, "json.invalid_fields", "", {}};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const auto& f : fields_) known = known || f.name == key;
    if (!known) err.fields.push_back({key, "unknown field"});
  }
  for (const auto& f : fields_) {
    auto it = j.find(f.name);
    if (it == j.end()) {
      if (f.required) err.fields.push_back({f.name, "is required"});
      continue;
    }
    if (it->is_null()) {
      if (!f.nullable) err.fields.push_back({f.name, "must not be null"});
      continue;
    }
    if (!has_type(*it, f.type)) {
      err.fields.push_back({f.name, "must be of type " + std::string(type_name(f.type))});
    }
  }
  if (err.fields.empty()) return ok_status();
  for (const auto& fe : err.fields) {
    if (!err.message.empty()) err.message += "; ";
    err.message += fe.field + " " + fe.message;
  }
  return err;
}

Json Shape::to_schema() const {
  Json props = Json::object();
  Json required = Json::array();
  for (const auto& f : fields_) {
    Json p = Json::object();
    if (f.type != JsonType::any) p["type"] = std::string(type_name(f.type));
    if (f.nullable) p["nullable"] = true;
    if (!f.description.empty()) p["description"] = f.description;
    props[f.name] = p;
    if (f.required) required.push_back(f.name);
  }
  Json s = {{"type", "object"}, {"additionalProperties", false}, {"properties", props}};
  if (!required.empty()) s["required"] = required;
  return s;
}

}  // namespace riverlink::core
