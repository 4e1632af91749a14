#pragma once
// Which programs a `kind = process` endpoint may run. Like IIS's ISAPI and CGI Restrictions, the answer is
// the server's, not the site's: a list set where a site's files cannot reach (CHATSOCKET_ALLOWED_PROGRAMS,
// read when the module is registered). An endpoint file names a program; it runs only when its resolved,
// canonical path is on the list.
#include <string>
#include <vector>

namespace cs {

class ProgramPolicy {
 public:
  // `allowed`: entries separated by the platform's list separator (';' on Windows, ':' elsewhere). An entry
  // is a program's path, or a folder followed by "/*" (or "\*") for every program directly inside it. On
  // Windows, %VARIABLES% in an entry are expanded.
  explicit ProgramPolicy(const std::string& allowed);

  // Finds `program` as an endpoint file names it: a name with a folder part is taken relative to
  // `base_directory` (the endpoint file's folder); a bare name is looked for in `base_directory`, then in the
  // module's own folder (where chatsocket-cat is installed beside it), then in the folders of
  // `path_variable`. On success `resolved` is canonical (links and "..", case on Windows resolved).
  static bool resolve(const std::string& program, const std::string& base_directory, const std::string& path_variable,
                      std::string& resolved);
  // The folder of the binary this code is linked into (chatsocket.dll / .so); empty if unknown.
  static std::string module_folder();
  // A folder for a child to start in: `directory` relative to `base_directory`, canonical; false if missing.
  static bool resolve_directory(const std::string& directory, const std::string& base_directory, std::string& resolved);
  // The platform's shell and the arguments that make it run one command line.
  static std::string shell();
  static std::vector<std::string> shell_arguments(const std::string& command_line);

  bool allows(const std::string& resolved_program) const;
  bool empty() const { return programs_.empty() && folders_.empty(); }
  // The list as understood, for log lines.
  std::string describe() const;

 private:
  std::vector<std::string> programs_;
  std::vector<std::string> folders_;
};

// The setting's name, for the log line that tells an administrator what to change.
constexpr const char* kAllowedProgramsSetting = "CHATSOCKET_ALLOWED_PROGRAMS";

}  // namespace cs
