// SIGTERM, SIGINT and SIGUSR1 ask for a clean stop; a second SIGINT ends the process at once.
#pragma once

namespace drover {

// Installs the handlers (every rank, before MPI starts, so a signal during
// start-up is a clean stop too). The handler only records the signal: the
// comm loop acts on it.
void install_stop_handlers();

// The first stop signal caught, or 0.
int stop_signal();

// "SIGTERM", "SIGINT", "SIGUSR1", or the number.
const char* signal_name(int signal);

}  // namespace drover
