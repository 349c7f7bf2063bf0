# Install rules and the CMake package (included from the root CMakeLists.txt when
# DROVER_INSTALL is ON). After `cmake --install <build> --prefix P`:
#   P/include/drover/...             the public headers (never src/)
#   P/lib/libdrover_core.a, libdrover_runtime.a, libdrover_cli.a, libdrover_compare.a,
#   libdrover_app.a                  (cli_main: the whole command line)
#   P/bin/drover                     the executable
#   P/lib/cmake/drover/              drover-config.cmake, drover-config-version.cmake,
#                                    drover-targets*.cmake
# so that find_package(drover) gives drover::drover (and drover::core, drover::runtime),
# the same names add_subdirectory users get from the ALIAS targets in src/CMakeLists.txt.
include(CMakePackageConfigHelpers)

set(DROVER_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/drover")

set_target_properties(drover_core PROPERTIES EXPORT_NAME core)
set_target_properties(drover_runtime PROPERTIES EXPORT_NAME runtime)
set_target_properties(drover_cli PROPERTIES EXPORT_NAME cli)
set_target_properties(drover_compare PROPERTIES EXPORT_NAME compare)
set_target_properties(drover_app PROPERTIES EXPORT_NAME app)
set_target_properties(drover_library PROPERTIES EXPORT_NAME drover)
# Only here because the static libraries' private link to it is recorded in their
# export as $<LINK_ONLY:drover::warnings>; its flags are BUILD_INTERFACE only.
set_target_properties(drover_warnings PROPERTIES EXPORT_NAME warnings)

install(TARGETS drover_core drover_runtime drover_cli drover_compare drover_app drover_library
  drover_warnings
  EXPORT drover-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The executable is not exported: its name would clash with the library's drover::drover.
install(TARGETS drover RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/drover
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")

install(EXPORT drover-targets
  NAMESPACE drover::
  FILE drover-targets.cmake
  DESTINATION ${DROVER_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/drover-config.cmake.in
  ${PROJECT_BINARY_DIR}/drover-config.cmake
  INSTALL_DESTINATION ${DROVER_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/drover-config-version.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/drover-config.cmake
  ${PROJECT_BINARY_DIR}/drover-config-version.cmake
  DESTINATION ${DROVER_INSTALL_CMAKEDIR})
