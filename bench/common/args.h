#pragma once

// The benchmarks' command lines: options as --name=value (and, where a benchmark allows it,
// --name value); flags take no value. A bad command line prints the problem and the usage line
// and exits with status 2.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bench {

class Args {
public:
    // usage: the options part of the usage line. With values_apart, an option that is not a flag
    // and has no "=" takes the next argument as its value.
    Args(std::string program, std::string usage, std::vector<std::string> flags = {},
         bool values_apart = false);

    [[noreturn]] void usage(const std::string& problem) const;

    // Calls on(name, value) for each option in order; on returns false for an unknown name. A
    // std::logic_error out of on (std::stoul and the like) is a bad value.
    void parse(
        int argc, char** argv,
        const std::function<bool(const std::string& name, const std::string& value)>& on) const;

private:
    std::string program_;
    std::string usage_;
    std::vector<std::string> flags_;
    bool values_apart_;
};

// The options of the benchmarks that set up their own database through the services
// (bench/chain, bench/invoice_run): --plugin-dir=DIR --seed=N --tmp=DIR --keep --no-breakdown.
struct ServiceOptions {
    std::string plugin_dir;
    std::uint64_t seed = 0;
    std::string tmp = "/tmp";
    bool keep = false;      // keep the database directory
    bool breakdown = true;  // measure where the time goes after the main figures

    // Takes one of the options above (std::stoull may throw on a bad seed); false for any other.
    bool take(const std::string& name, const std::string& value);
};

}  // namespace bench
