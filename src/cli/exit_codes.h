// The exit codes of `infer`: scripts tell the failures apart without parsing messages.
// Documented in `infer --help` and the README.
#pragma once

namespace igw::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,          // anything else: a provider error, a refused request, a local failure
  kExitUsage = 2,          // bad command line or configuration file
  kExitUnreachable = 3,    // the gateway cannot be reached (refused, name unknown, timed out)
  kExitUnauthorized = 4,   // 401: missing or wrong API key
  kExitForbidden = 5,      // 403: the key may not do this (admin commands, model not allowed)
  kExitUnknownModel = 6,   // unknown model or provider
  kExitUpstream = 7,       // the gateway answered 5xx: the provider failed or timed out
  kExitInterrupted = 130,  // Ctrl-C
};

}  // namespace igw::cli
