#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "core/log.h"

using billwright::core::LogFormat;
using billwright::core::Logger;
using billwright::core::LogLevel;

namespace {

// A log file the test reads back by name while the logger writes it.
struct LogFile {
    LogFile()
        : path((std::filesystem::temp_directory_path() /
                ("bw-log-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
                   .string()),
          sink(std::fopen(path.c_str(), "w")) {
        BOOST_REQUIRE(sink != nullptr);
    }
    ~LogFile() {
        std::fclose(sink);
        std::filesystem::remove(path);
    }
    std::vector<std::string> lines() const {
        std::ifstream in(path);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }
    // Each line's level and message ("<ts> <level> <message> ..." in the text format), joined
    // by " | ".
    std::string messages() const {
        std::string out;
        for (const auto& line : lines()) {
            std::istringstream words(line);
            std::string ts, level, message;
            words >> ts >> level >> message;
            out += (out.empty() ? "" : " | ") + level + " " + message;
        }
        return out;
    }

    static inline int counter = 0;
    std::string path;
    std::FILE* sink;
};

constexpr auto kNever = std::chrono::hours(1);  // a writer delay no test waits out

}  // namespace

BOOST_AUTO_TEST_SUITE(logger)

BOOST_AUTO_TEST_CASE(without_a_writer_every_line_is_written_before_log_returns) {
    LogFile file;
    Logger log(LogLevel::kInfo, LogFormat::kText, file.sink);
    log.startWriter(std::chrono::milliseconds(0));  // zero keeps lines unqueued
    log.info("first", {{"n", "1"}});
    BOOST_CHECK_EQUAL(file.messages(), "info first");
    log.warning("second");
    BOOST_CHECK_EQUAL(file.messages(), "info first | warning second");
}

BOOST_AUTO_TEST_CASE(info_lines_wait_for_the_writer_and_a_warning_takes_them_out_first) {
    LogFile file;
    Logger log(LogLevel::kInfo, LogFormat::kText, file.sink);
    log.startWriter(kNever);
    log.info("queued-1");
    log.info("queued-2");
    BOOST_CHECK(file.lines().empty());
    // A warning is written at once, after what was queued before it.
    log.warning("serious");
    BOOST_CHECK_EQUAL(file.messages(), "info queued-1 | info queued-2 | warning serious");
    log.info("queued-3");
    BOOST_CHECK_EQUAL(file.lines().size(), 3U);
    log.stopWriter();  // writes what is queued
    BOOST_CHECK_EQUAL(file.messages(),
                      "info queued-1 | info queued-2 | warning serious | info queued-3");
    log.info("after-stop");  // back to writing each line at once
    BOOST_CHECK(file.lines().back().find("after-stop") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_writer_writes_within_its_delay) {
    LogFile file;
    Logger log(LogLevel::kInfo, LogFormat::kText, file.sink);
    log.startWriter(std::chrono::milliseconds(10));
    log.info("soon");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (file.lines().empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    BOOST_CHECK_EQUAL(file.messages(), "info soon");
}

BOOST_AUTO_TEST_CASE(a_full_queue_is_written_without_waiting_out_the_delay) {
    LogFile file;
    Logger log(LogLevel::kInfo, LogFormat::kText, file.sink);
    log.startWriter(kNever);
    const std::string padding(1000, 'x');
    for (int i = 0; i < 2000; ++i) log.info("line", {{"pad", padding}});  // ~2 MB
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (file.lines().size() < 1000 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    BOOST_CHECK_GE(file.lines().size(), 1000U);
    log.stopWriter();
    BOOST_CHECK_EQUAL(file.lines().size(), 2000U);
}

BOOST_AUTO_TEST_CASE(lines_from_many_threads_are_whole_in_order_per_thread_and_none_lost) {
    LogFile file;
    constexpr int kThreads = 4;
    constexpr int kLines = 3000;
    {
        Logger log(LogLevel::kInfo, LogFormat::kText, file.sink);
        log.startWriter(std::chrono::milliseconds(1));
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&log, t] {
                for (int i = 0; i < kLines; ++i) {
                    if (i % 1000 == 999) {
                        log.warning("t" + std::to_string(t), {{"i", std::to_string(i)}});
                    } else {
                        log.info("t" + std::to_string(t), {{"i", std::to_string(i)}});
                    }
                }
            });
        }
        for (auto& thread : threads) thread.join();
    }  // the destructor writes what is still queued
    std::map<int, int> next;
    int count = 0;
    for (const auto& line : file.lines()) {
        std::istringstream words(line);
        std::string ts, level, message, field;
        words >> ts >> level >> message >> field;
        BOOST_REQUIRE_MESSAGE(message.size() == 2 && message[0] == 't' && field.rfind("i=", 0) == 0,
                              "torn line: " << line);
        const int t = message[1] - '0';
        BOOST_REQUIRE(t >= 0 && t < kThreads);
        BOOST_CHECK_EQUAL(std::stoi(field.substr(2)), next[t]);
        next[t] = std::stoi(field.substr(2)) + 1;
        ++count;
    }
    BOOST_CHECK_EQUAL(count, kThreads * kLines);
}

BOOST_AUTO_TEST_SUITE_END()
