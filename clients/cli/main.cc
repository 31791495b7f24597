// corridor: the command-line client of Corridor. See docs/cli.md.
#include <unistd.h>

#include <iostream>

#include "clients/cli/app.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  corridor::cli::CliEnv env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.err_is_tty = isatty(STDERR_FILENO) == 1;
  const int code = corridor::cli::RunCli(argc, argv, env);
  std::cout.flush();
  return code;
}
