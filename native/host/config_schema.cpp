#include "config_schema.h"

#include <cstdlib>

#include "http_head.h"

namespace cs::host {
namespace {

bool parse_integer(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size()) return false;
  for (size_t j = i; j < text.size(); ++j)
    if (text[j] < '0' || text[j] > '9') return false;
  out = std::strtoll(text.c_str(), nullptr, 10);
  return true;
}

// The value as IIS stores it, or false with why it is refused.
bool check_value(const SchemaAttribute& a, const std::string& value, std::string& normal, std::string& why) {
  normal = value;
  if (a.type == "bool") {
    if (iequals(value, "true") || iequals(value, "false")) {
      normal = iequals(value, "true") ? "true" : "false";
      return true;
    }
    why = "not a valid boolean value";
    return false;
  }
  if (a.type == "uint" || a.type == "int") {
    int64_t n = 0;
    if (!parse_integer(value, n) || (a.type == "uint" && n < 0) || n > 0xffffffffLL) {
      why = "not a valid " + std::string(a.type == "uint" ? "unsigned " : "") + "integer";
      return false;
    }
    if (a.ranged && (n < a.low || n > a.high)) {
      why = "must be an integer between " + std::to_string(a.low) + " and " + std::to_string(a.high);
      return false;
    }
    normal = std::to_string(n);
  }
  return true;
}

}  // namespace

bool load_section_schema(const std::string& file, const std::string& section, SectionSchema& out, std::string& error) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_file(file.c_str());
  if (!parsed) {
    error = file + ": " + parsed.description();
    return false;
  }
  pugi::xml_node node = doc.child("configSchema").find_child_by_attribute("sectionSchema", "name", section.c_str());
  if (!node) {
    error = file + " has no sectionSchema named " + section;
    return false;
  }
  out = SectionSchema{section, {}};
  for (pugi::xml_node child : node.children("attribute")) {
    SchemaAttribute a;
    a.name = child.attribute("name").as_string();
    a.type = child.attribute("type").as_string("string");
    a.default_value = child.attribute("defaultValue")
                          .as_string(a.type == "bool"     ? "false"
                                     : a.type == "string" ? ""
                                                          : "0");
    if (a.type != "string" && a.type != "bool" && a.type != "uint" && a.type != "int") {
      error = file + ": attribute " + a.name + " has type " + a.type + ", which the host does not read";
      return false;
    }
    if (std::string(child.attribute("validationType").as_string()) == "integerRange") {
      std::string range = child.attribute("validationParameter").as_string();
      size_t comma = range.find(',');
      a.ranged = comma != std::string::npos && parse_integer(range.substr(0, comma), a.low) &&
                 parse_integer(range.substr(comma + 1), a.high);
      if (!a.ranged) {
        error = file + ": attribute " + a.name + " has the integerRange '" + range + "'";
        return false;
      }
    }
    out.attributes.push_back(a);
  }
  return true;
}

SectionValues schema_defaults(const SectionSchema& schema) {
  SectionValues out;
  for (const SchemaAttribute& a : schema.attributes) {
    std::string normal = a.default_value, why;
    check_value(a, a.default_value, normal, why);
    out.push_back({a.name, a.type, normal});
  }
  return out;
}

bool apply_section(const SectionSchema& schema, pugi::xml_node element, SectionValues& values, std::string& error) {
  for (pugi::xml_attribute given : element.attributes()) {
    bool known = false;
    for (const SchemaAttribute& a : schema.attributes) known = known || a.name == given.name();
    if (!known) {
      error = "Unrecognized attribute '" + std::string(given.name()) + "' in <" + element.name() + "> (" + schema.name +
              "). Note that attribute names are case-sensitive.";
      return false;
    }
  }
  SectionValues applied = values;
  for (const SchemaAttribute& a : schema.attributes) {
    pugi::xml_attribute given = element.attribute(a.name.c_str());
    if (!given) continue;
    std::string value = given.as_string(), normal, why;
    if (!check_value(a, value, normal, why)) {
      error = "The value '" + value + "' of attribute '" + a.name + "' in <" + element.name() + "> (" + schema.name +
              ") is invalid: " + why + ".";
      return false;
    }
    for (SectionValue& v : applied)
      if (v.name == a.name) v.value = normal;
  }
  values = std::move(applied);
  return true;
}

}  // namespace cs::host
