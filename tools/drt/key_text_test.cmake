# ctest script: the key forms every drt command accepts (run with -DDRT=<drt binary> -DWORK=<dir>),
# through `drt key show`. Good forms print 64 hex digits; bad ones one "drt: KEY: ..." line, exit 2.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(hex "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
file(WRITE "${WORK}/key.txt" "  ${hex}\n")
file(WRITE "${WORK}/short.txt" "0011\n")
file(WRITE "${WORK}/empty.txt" "")

# input | expected output ("" = exit 2)
set(table
  "${hex}|${hex}"
  "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF|${hex}"
  "@${WORK}/key.txt|${hex}"
  "sha256:hello|2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
  "sha256:|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  "sha256:a b|c8687a08aa5d6ed2044328fa6a697ab8e96dc34291e8c2034ae8c38e6fcc6d65"
  "0011|"
  "${hex}0|"
  "0x${hex}|"
  "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff|"
  "@|"
  "@${WORK}/nowhere|"
  "@${WORK}/short.txt|"
  "@${WORK}/empty.txt|"
  "@/dev/zero|"
  "sha256|")
foreach(row IN LISTS table)
  string(REPLACE "|" ";" parts "${row}")
  list(GET parts 0 input)
  list(LENGTH parts n)
  set(want "")
  if(n GREATER 1)
    list(GET parts 1 want)
  endif()
  execute_process(COMMAND "${DRT}" key show "${input}" RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(want STREQUAL "")
    if(NOT code EQUAL 2 OR NOT err MATCHES "^drt: KEY: " OR NOT out STREQUAL "")
      message(FATAL_ERROR "key '${input}': want exit 2 and 'drt: KEY: ...', got ${code}: ${out} ${err}")
    endif()
    string(REGEX MATCHALL "\n" lines "${err}")
    list(LENGTH lines line_count)
    if(NOT line_count EQUAL 1)
      message(FATAL_ERROR "key '${input}': want one line, got:\n${err}")
    endif()
  elseif(NOT code EQUAL 0 OR NOT out STREQUAL want)
    message(FATAL_ERROR "key '${input}': want ${want}, got exit ${code}: ${out} ${err}")
  endif()
endforeach()

# A certificate file names its derived key, the same that `drt key derive` prints.
execute_process(COMMAND "${DRT}" cert root --out "${WORK}/root" OUTPUT_QUIET RESULT_VARIABLE code)
execute_process(COMMAND "${DRT}" cert node --root "${WORK}/root" --out "${WORK}/node" OUTPUT_VARIABLE derived
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE code2)
execute_process(COMMAND "${DRT}" key show "@${WORK}/node/node.pem" OUTPUT_VARIABLE shown
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE code3)
string(REGEX REPLACE ".*\n" "" derived "${derived}")
if(NOT code EQUAL 0 OR NOT code2 EQUAL 0 OR NOT code3 EQUAL 0 OR NOT shown STREQUAL derived)
  message(FATAL_ERROR "@node.pem gave '${shown}', drt cert node printed '${derived}'")
endif()
