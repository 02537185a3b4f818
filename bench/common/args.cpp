#include "common/args.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <utility>

namespace bench {

Args::Args(std::string program, std::string usage, std::vector<std::string> flags,
           bool values_apart)
    : program_(std::move(program)),
      usage_(std::move(usage)),
      flags_(std::move(flags)),
      values_apart_(values_apart) {}

void Args::usage(const std::string& problem) const {
    std::cerr << program_ << ": " << problem << "\n"
              << "usage: " << program_ << " " << usage_ << "\n";
    std::exit(2);
}

void Args::parse(int argc, char** argv,
                 const std::function<bool(const std::string&, const std::string&)>& on) const {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        std::string name = arg;
        std::string value;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        } else if (values_apart_ && std::find(flags_.begin(), flags_.end(), name) == flags_.end()) {
            if (i + 1 >= argc) usage("missing value for " + name);
            value = argv[++i];
        }
        bool known = false;
        try {
            known = on(name, value);
        } catch (const std::logic_error&) {
            usage("bad value in " + arg);
        }
        if (!known) usage("unknown option " + arg);
    }
}

bool ServiceOptions::take(const std::string& name, const std::string& value) {
    if (name == "--plugin-dir") {
        plugin_dir = value;
    } else if (name == "--seed") {
        seed = std::stoull(value);
    } else if (name == "--tmp") {
        tmp = value;
    } else if (name == "--keep") {
        keep = true;
    } else if (name == "--no-breakdown") {
        breakdown = false;
    } else {
        return false;
    }
    return true;
}

}  // namespace bench
