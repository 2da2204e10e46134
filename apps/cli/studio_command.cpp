// tether studio: serves the local web studio (apps/studio) over the chosen database until
// Ctrl-C. The first line on standard output is the address to open, with its token.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include "../studio/studio.hpp"
#include "cli.hpp"

extern char** environ;

namespace tether::cli {
namespace {

struct args {
  std::string host = "127.0.0.1";
  int port = 0;
  bool no_open = false, allow_writes = false, allow_remote = false, read_only = false;
};

// Opens `url` in the desktop's browser where there is a desktop; quietly nothing elsewhere.
void open_browser(const std::string& url) {
  if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) return;
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, const_cast<char**>(argv), environ) == 0) {
    int status = 0;
    ::waitpid(pid, &status, WNOHANG);
  }
}

}  // namespace

void add_studio_command(CLI::App& app, globals& g, action& run) {
  auto a = std::make_shared<args>();
  auto* c = app.add_subcommand("studio", "Serve the local web studio over the chosen database (Ctrl-C stops it)");
  c->fallthrough();
  c->footer("Example:\n  tether studio --env dev\n");
  c->add_option("--host", a->host, "The address to listen on (default 127.0.0.1)");
  c->add_option("--port", a->port, "The port (default: a free one)")->check(whole_number(0, 65535));
  c->add_flag("--no-open", a->no_open, "Do not open a browser");
  c->add_flag("--allow-writes", a->allow_writes, "Allow changes on a protected environment (prd)");
  c->add_flag("--read-only", a->read_only, "Refuse every change, on any environment");
  c->add_flag("--allow-remote", a->allow_remote, "Allow a --host that is not a loopback address");
  c->callback([&run, &g, a] {
    run = [&g, a] {
      // Ctrl-C and SIGTERM are taken by a thread of their own, which stops the server.
      sigset_t stop_signals;
      sigemptyset(&stop_signals);
      sigaddset(&stop_signals, SIGINT);
      sigaddset(&stop_signals, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

      target t(g);
      const bool guarded = t.protected_environment();
      studio::options o{.host = a->host,
                        .port = a->port,
                        .allow_remote = a->allow_remote,
                        .read_only = a->read_only || (guarded && !a->allow_writes),
                        .label = t.label(),
                        .migrations_folder = t.migrations_folder(g)};
      studio::server s(t.db(), o);
      s.bind();
      std::cout << "tether studio: " << s.url() << std::endl;
      if (!studio::is_loopback_host(a->host))
        std::cerr << "tether studio: warning: listening on " << a->host
                  << ", not a loopback address: anyone who can reach it and has the address can use it\n";
      if (o.read_only)
        std::cerr << "tether studio: read-only" << (guarded && !a->read_only ? " (a protected environment; --allow-writes to change data)" : "")
                  << "\n";
      if (!a->no_open) open_browser(s.url());
      std::thread waiter([&] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        s.stop();
      });
      s.run();
      pthread_kill(waiter.native_handle(), SIGTERM);  // wakes it when run() ended on its own
      waiter.join();
      std::cerr << "tether studio: stopped\n";
      return static_cast<int>(ok);
    };
  });
}

}  // namespace tether::cli
