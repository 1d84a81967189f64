// JSON helpers: canonical serialisation (for hashing) and strict request validation.
#pragma once
#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace riverlink::core {

using Json = nlohmann::json;

// Compact, keys sorted (nlohmann's default object is ordered by key), UTF-8. Stable across runs.
std::string canonical(const Json& j);

// Parses text; a syntax error becomes bad_request naming the byte position.
Result<Json> parse_json(std::string_view text);

enum class JsonType { string, integer, number, boolean, object, array, any };

struct FieldSpec {
  std::string name;
  JsonType type;
  bool required = true;
  bool nullable = false;
  std::string description = {};
};

// A request body shape. validate() rejects a non-object, unknown fields, missing required
// fields and wrong types, with one FieldError per problem. to_schema() feeds OpenAPI.
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<FieldSpec> fields) : fields_(fields) {}
  Status validate(const Json& j) const;
  Json to_schema() const;
  const std::vector<FieldSpec>& fields() const { return fields_; }

 private:
  std::vector<FieldSpec> fields_;
};

std::string_view type_name(JsonType t);

}  // namespace riverlink::core
