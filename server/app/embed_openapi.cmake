# Generates a .cpp holding docs/openapi.yaml as a string, so the binary serves its own API
# description. Run by a custom command whenever the YAML changes.
file(READ "${INPUT}" content)
string(LENGTH "${content}" length)
set(chunks "")
set(offset 0)
# Separate literals of 8,000 characters, joined once at first use: adjacent literals would be one
# literal to the compiler, over the length C++ compilers must support (clang's -Woverlength-strings).
while(offset LESS length)
    string(SUBSTRING "${content}" ${offset} 8000 piece)
    string(APPEND chunks "R\"BWYAML(${piece})BWYAML\",\n")
    math(EXPR offset "${offset} + 8000")
endwhile()
file(WRITE "${OUTPUT}" "#include \"app/openapi_document.h\"\n#include <string>\nnamespace billwright::app {\nstd::string_view openapiDocument() {\n    static const std::string kDocument = [] {\n        const char* const pieces[] = {\n${chunks}};\n        std::string joined;\n        for (const char* piece : pieces) joined += piece;\n        return joined;\n    }();\n    return kDocument;\n}\n}  // namespace billwright::app\n")
