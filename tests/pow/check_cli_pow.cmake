# Runs bystack-cli pow on a published Tensority vector and on a malformed header (cmake -P).
execute_process(
  COMMAND ${CLI} pow
          --header d0dad73fb2dabf3353fda15571b4e5f6ac62ff187b354fadd4840d9ff2f1afdf
          --seed 0737520781345b11b7bd0f843c1bdd9aea81b6da94fd141cc9f2df53ac6744d2
  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "e35da54795d82f8549c0e580cbf2e3757ab5ef8fed1bdbe439416c7e6f8df227\n")
  message(FATAL_ERROR "bystack-cli pow: exit ${rc}, output '${out}'")
endif()

execute_process(
  COMMAND ${CLI} pow --header xyz --seed 0737520781345b11b7bd0f843c1bdd9aea81b6da94fd141cc9f2df53ac6744d2
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--header" OR NOT out STREQUAL "")
  message(FATAL_ERROR "bystack-cli pow with bad hex: exit ${rc}, stderr '${err}'")
endif()
