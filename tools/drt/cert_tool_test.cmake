# ctest script for `drt cert` and `drt key derive` (run with -DDRT=<drt binary> -DWORK=<dir>).
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(run expect_code)
  execute_process(COMMAND "${DRT}" ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT code EQUAL expect_code)
    message(FATAL_ERROR "drt ${ARGN}: exit ${code}, expected ${expect_code}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
  set(last_err "${err}" PARENT_SCOPE)
endfunction()

run(0 cert root --out "${WORK}/root")
foreach(type ec rsa)
  run(0 cert node --root "${WORK}/root" --out "${WORK}/${type}" --type ${type} --name "node-${type}")
  set(printed "${last_out}")
  if(NOT printed MATCHES "^[0-9a-f]+$")
    message(FATAL_ERROR "cert node printed '${printed}', not hex")
  endif()
  string(LENGTH "${printed}" n)
  if(NOT n EQUAL 64)
    message(FATAL_ERROR "cert node printed ${n} hex digits, not 64")
  endif()
  # The key computed by the tool with OpenSSL equals libdrt's DrtCreateDerivedKey.
  run(0 key derive "${WORK}/${type}/node.pem")
  if(NOT last_out STREQUAL printed)
    message(FATAL_ERROR "key derive gave ${last_out}, cert node printed ${printed}")
  endif()
endforeach()
run(0 cert node --root "${WORK}/root" --out "${WORK}/rsa4096" --type rsa --bits 3072)

# Bad input: one "drt: ..." line and exit 2.
run(2 cert node --root "${WORK}/root" --out "${WORK}/ec")               # exists, no --force
run(2 cert node --root "${WORK}/nowhere" --out "${WORK}/x")             # no root there
run(2 cert node --root "${WORK}/root" --out "${WORK}/y" --type dsa)
run(2 cert node --root "${WORK}/root" --out "${WORK}/y" --bits 1024 --type rsa)
run(2 cert node --root "${WORK}/root" --out "${WORK}/y" --bits 3072)    # --bits without rsa
run(2 cert root)                                                         # --out missing
run(2 key derive "${WORK}/nowhere.pem")
run(2 key derive "${WORK}/root/root.key")                                # a key, no certificate
run(2 frobnicate)
run(2 frobnicate --help)                                                 # ./dev demo relies on it
string(REGEX MATCHALL "\n" lines "${last_err}")
list(LENGTH lines line_count)
if(NOT line_count EQUAL 1 OR NOT last_err MATCHES "^drt: ")
  message(FATAL_ERROR "bad input must give one 'drt: ' line, got:\n${last_err}")
endif()
run(0 --help)
run(0 cert node --help)
if(NOT last_out MATCHES "--root")
  message(FATAL_ERROR "cert node --help does not describe --root:\n${last_out}")
endif()
file(REMOVE_RECURSE "${WORK}")
