// The C++ suites ctest runs on Linux, by name: a suite CMake dropped must fail the run, not go unnoticed.
export const CPP_SUITES: Array<[string, string]> = [
  ["cs_runtime_tests", "the Wasm runtime (traps, memory, threads, exceptions, recursion)"],
  ["cs_compat_tests", "the IIS interfaces' vtable slots against the SDK's order"],
  ["cs_core_tests", "the core against the real generated Wasm C (instances, rooms, limits)"],
  ["cs_process_tests", "the POSIX launcher and the program policy"],
  ["cs_iis_tests", "the parts of native/iis that need no IIS (the Event Log's budget)"],
  ["cs_host_tests", "the host's IIS semantics"],
  ["cs_module_on_host_tests", "the module on the host, end to end"],
];
