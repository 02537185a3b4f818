#include "core/metrics.h"

#include <algorithm>
#include <cstdio>

namespace billwright::core {
namespace {

std::string secondsText(std::int64_t micros) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(micros / 1000000),
                  static_cast<long long>(micros % 1000000));
    std::string text = buf;
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    return text;
}

// Inserts an extra label into an already rendered label set ("{a="b"}" or "").
std::string withLabel(const std::string& rendered, std::string_view key, std::string_view value) {
    std::string extra(key);
    extra += "=\"";
    extra += value;
    extra += "\"";
    if (rendered.empty()) return "{" + extra + "}";
    return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

}  // namespace

void Metrics::renderLabels(std::string& out, Labels labels) {
    out.clear();
    if (labels.size() == 0) return;
    out.push_back('{');
    bool first = true;
    for (const auto& [key, value] : labels) {
        if (!first) out.push_back(',');
        first = false;
        out += key;
        out += "=\"";
        // One pass over the value (find_first_of looked for each of the three in turn).
        if (std::none_of(value.begin(), value.end(),
                         [](char c) { return c == '\\' || c == '"' || c == '\n'; })) {
            out += value;  // nearly every value: route templates, methods, statuses
        } else {
            for (const char c : value) {
                if (c == '\\' || c == '"') out.push_back('\\');
                if (c == '\n') {
                    out += "\\n";
                    continue;
                }
                out.push_back(c);
            }
        }
        out.push_back('"');
    }
    out.push_back('}');
}

// The label set of this thread's current call, rendered into a buffer that keeps its capacity:
// a request's two observations allocate nothing once their series exist.
std::string& Metrics::scratchKey(Labels labels) {
    thread_local std::string key;
    renderLabels(key, labels);
    return key;
}

Metrics::Family& Metrics::familyFor(std::string_view name, std::string_view type) {
    auto it = families_.find(name);
    if (it == families_.end()) {
        it = families_.emplace(std::string(name), Family{}).first;
        it->second.type = std::string(type);
    }
    return it->second;
}

void Metrics::describe(std::string_view name, std::string_view type, std::string_view help) {
    std::lock_guard lock(mutex_);
    auto& family = families_[std::string(name)];
    family.type = std::string(type);
    family.help = std::string(help);
}

void Metrics::increment(std::string_view name, Labels labels, std::int64_t by) {
    const std::string& key = scratchKey(labels);
    std::lock_guard lock(mutex_);
    auto& counters = familyFor(name, "counter").counters;
    auto it = counters.find(key);
    if (it == counters.end()) it = counters.emplace(key, 0).first;
    it->second += by;
}

void Metrics::observeMicros(std::string_view name, Labels labels, std::int64_t micros) {
    const std::string& key = scratchKey(labels);
    std::lock_guard lock(mutex_);
    auto& histograms = familyFor(name, "histogram").histograms;
    auto it = histograms.find(key);
    if (it == histograms.end()) it = histograms.emplace(key, Histogram{}).first;
    Histogram& h = it->second;
    for (std::size_t i = 0; i < kBucketMicros.size(); ++i) {
        if (micros <= kBucketMicros[i]) ++h.buckets[i];
    }
    ++h.count;
    h.sum_micros += micros;
}

std::string Metrics::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, family] : families_) {
        if (!family.help.empty()) out += "# HELP " + name + " " + family.help + "\n";
        out += "# TYPE " + name + " " + family.type + "\n";
        for (const auto& [labels, value] : family.counters) {
            out += name + labels + " " + std::to_string(value) + "\n";
        }
        for (const auto& [labels, h] : family.histograms) {
            for (std::size_t i = 0; i < kBucketMicros.size(); ++i) {
                out += name + "_bucket" + withLabel(labels, "le", secondsText(kBucketMicros[i])) +
                       " " + std::to_string(h.buckets[i]) + "\n";
            }
            out += name + "_bucket" + withLabel(labels, "le", "+Inf") + " " +
                   std::to_string(h.count) + "\n";
            out += name + "_sum" + labels + " " + secondsText(h.sum_micros) + "\n";
            out += name + "_count" + labels + " " + std::to_string(h.count) + "\n";
        }
    }
    return out;
}

}  // namespace billwright::core
