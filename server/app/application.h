#pragma once

namespace billwright::app {

// The composition root: parses options and settings, opens storage, wires services, the API,
// the HTTP server and the scheduler, and runs until SIGTERM/SIGINT.
int runServer(int argc, char** argv);

}  // namespace billwright::app
