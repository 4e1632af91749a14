#pragma once
// A configuration section's schema, as IIS reads the files in inetsrv\config\schema: the section's attributes,
// their types (string, bool, uint, int), defaults and integerRange validation. The host checks web.config
// against it as IIS does: an attribute the schema lacks, or a value its type or range refuses, is a
// configuration error (IIS: 500.19 for every request under that web.config).
#include <cstdint>
#include <string>
#include <vector>

#include <pugixml.hpp>

namespace cs::host {

struct SchemaAttribute {
  std::string name;
  std::string type;  // string, bool, uint or int
  std::string default_value;
  bool ranged = false;  // validationType="integerRange"
  int64_t low = 0, high = 0;
};

struct SectionSchema {
  std::string name;  // e.g. system.webServer/chatsocket
  std::vector<SchemaAttribute> attributes;
};

struct SectionValue {
  std::string name;
  std::string type;   // the schema's: string, bool, uint or int
  std::string value;  // as IIS stores it: true/false, decimal
};
using SectionValues = std::vector<SectionValue>;

// Reads <configSchema><sectionSchema name="section"> from `file`; false with a message.
bool load_section_schema(const std::string& file, const std::string& section, SectionSchema& out, std::string& error);

// Every attribute of the schema with its default, in the schema's order.
SectionValues schema_defaults(const SectionSchema& schema);

// Applies the attributes `element` sets over `values` (a web.config over what it inherits). False, with the
// message IIS would give, for an attribute the schema does not have or a value it refuses.
bool apply_section(const SectionSchema& schema, pugi::xml_node element, SectionValues& values, std::string& error);

}  // namespace cs::host
