# Generates a .cpp holding docs/openapi.yaml as a string, so the binary serves its own API
# description. Run by a custom command whenever the YAML changes.
file(READ "${INPUT}" content)
string(LENGTH "${content}" length)
set(chunks "")
set(offset 0)
# Split into pieces well below compilers' string-literal limits.
while(offset LESS length)
    string(SUBSTRING "${content}" ${offset} 8000 piece)
    string(APPEND chunks "R\"BWYAML(${piece})BWYAML\"\n")
    math(EXPR offset "${offset} + 8000")
endwhile()
file(WRITE "${OUTPUT}" "#include \"app/openapi_document.h\"\nnamespace billwright::app {\nstd::string_view openapiDocument() {\n    static const char kDocument[] =\n${chunks};\n    return {kDocument, sizeof kDocument - 1};\n}\n}  // namespace billwright::app\n")
