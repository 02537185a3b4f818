#pragma once

// This process's memory, as the benchmarks report it (Linux /proc).

#include <string>

namespace bench {

long statusKib(const char* field);  // a "VmXxx:" line of /proc/self/status, in KiB; -1 if absent
long maxRssKib();                   // ru_maxrss: the peak RSS of the whole process so far

// Resets the peak RSS (VmHWM) to the current RSS (Linux >= 4.0); false when refused.
bool resetPeakRss();

std::string mib(long kib);  // "12.3 MiB"

}  // namespace bench
