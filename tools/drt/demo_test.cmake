# ctest script for `drt demo` (run with -DDRT=<drt binary> -DWORK=<dir>): a small cloud passes
# every check and its JSON line says so; the modes that cannot run say why with the right exit
# status; --svg writes a picture.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(run expect_code)
  execute_process(COMMAND "${DRT}" ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_STRIP_TRAILING_WHITESPACE)
  if(NOT code EQUAL expect_code)
    message(FATAL_ERROR "drt ${ARGN}: exit ${code}, expected ${expect_code}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
  set(last_err "${err}" PARENT_SCOPE)
endfunction()

# The JSON line is the last line of stdout; every check passed.
function(check_json what)
  string(REGEX REPLACE ".*\n" "" json "${last_out}")
  foreach(field nodes keys register_ok search_ok search_total search_p50_ms search_p99_ms hops_mean
                rss_kib_per_node cpu_ms_per_op wall_s ok)
    string(JSON value ERROR_VARIABLE missing GET "${json}" ${field})
    if(missing)
      message(FATAL_ERROR "${what}: the JSON line has no '${field}': ${json}")
    endif()
    set(j_${field} "${value}")
  endforeach()
  if(NOT j_search_ok EQUAL j_search_total OR j_search_total LESS 6 OR NOT j_register_ok EQUAL j_keys
     OR NOT j_ok STREQUAL "ON")
    message(FATAL_ERROR "${what}: checks failed: ${json}\n${last_out}")
  endif()
  if(NOT last_out MATCHES "searches ok" OR NOT last_out MATCHES "latency +p50")
    message(FATAL_ERROR "${what}: no table before the JSON line:\n${last_out}")
  endif()
  message(STATUS "${what}: ${json}")
endfunction()

run(0 demo --nodes 6 --json --svg "${WORK}/ring.svg")
check_json("derived-key, resolve")
file(READ "${WORK}/ring.svg" svg LIMIT 200)
if(NOT svg MATCHES "^<svg ")
  message(FATAL_ERROR "--svg wrote no SVG: ${svg}")
endif()
run(0 demo --nodes 5 --mode membership --json)
check_json("derived-key, membership")
run(0 demo --nodes 5 --security null --json)
check_json("null, resolve")
run(0 demo --nodes 5 --security wolfssl --json)
check_json("wolfssl, resolve")
run(0 demo --nodes 6 --security mixed --mode membership --json)
check_json("openssl and wolfssl mixed, membership")
run(0 demo --nodes 6 --security mixed --mode confidential --json)
check_json("openssl and wolfssl mixed, confidential")
run(0 demo --help)  # ./dev demo relies on it

# Cannot run: one clear line, exit 2 for what does not exist, 1 for what the library refuses.
run(2 demo --security boringssl)
if(NOT last_err MATCHES "^drt: " OR last_err MATCHES "\n.")
  message(FATAL_ERROR "--security boringssl: want one clear line, got:\n${last_err}")
endif()
run(2 demo --keys 2)                         # several keys per node need --security null
run(2 demo --nodes 1)
run(2 demo --mode secret)
run(2 demo --svg "${WORK}/no/such/dir/ring.svg")
