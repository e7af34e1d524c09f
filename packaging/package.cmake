# Installation layout and the .deb (CPack). `cpack -G DEB` in a build made
# with -DCMFV_STATIC_DEPS=ON gives a package that needs nothing but libc.
include(GNUInstallDirs)
set(CMFV_PLUGIN_DIR ${CMAKE_INSTALL_DATADIR}/cmf-validate/plugin)

install(TARGETS cmf-validate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# man pages go in gzipped (Debian policy), made reproducibly (-n)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/cmf-validate.1.gz
  COMMAND gzip -9nc ${CMAKE_SOURCE_DIR}/packaging/cmf-validate.1 > ${CMAKE_BINARY_DIR}/cmf-validate.1.gz
  DEPENDS ${CMAKE_SOURCE_DIR}/packaging/cmf-validate.1)
add_custom_target(cmfv-man ALL DEPENDS ${CMAKE_BINARY_DIR}/cmf-validate.1.gz)
install(FILES ${CMAKE_BINARY_DIR}/cmf-validate.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# The Helm plugin folder: `helm plugin install /usr/share/cmf-validate/plugin`.
install(FILES ${CMAKE_SOURCE_DIR}/plugin.yaml ${CMAKE_SOURCE_DIR}/completion.yaml
        DESTINATION ${CMFV_PLUGIN_DIR})
install(PROGRAMS ${CMAKE_SOURCE_DIR}/packaging/build-plugin.sh DESTINATION ${CMFV_PLUGIN_DIR}/packaging)
# Helm 4's post-renderer, found by the wrapper through HELM_PLUGINS
install(FILES ${CMAKE_SOURCE_DIR}/postrenderer/cmf-post-renderer/plugin.yaml
        DESTINATION ${CMFV_PLUGIN_DIR}/postrenderer/cmf-post-renderer)
install(CODE "file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMFV_PLUGIN_DIR}/bin\")
  file(CREATE_LINK ../../../../bin/cmf-validate
       \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMFV_PLUGIN_DIR}/bin/cmf-validate\" SYMBOLIC)")
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/LICENSE
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME cmf-validate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "cmf-validate maintainers <maintainers@cmf-validate.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Helm plugin that stops broken Confluent Manager for Apache Flink encryption setups")
set(CPACK_PACKAGE_DESCRIPTION
    "cmf-validate checks CMF Helm values (merged exactly as Helm merges them), the encryption key Secret and rendered manifests, and as a Helm post-renderer mounts the key into the CMF Deployment and fails the release closed.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
# Debian's name for the target machine (arm64 when cross-built with
# packaging/toolchain-linux-arm64.cmake)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
else()
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
endif()
set(CPACK_DEBIAN_FILE_NAME "cmf-validate_${PROJECT_VERSION}_${CPACK_DEBIAN_PACKAGE_ARCHITECTURE}.deb")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/cmf-validate/cmf-validate")
if(CMFV_STATIC_DEPS)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.34)")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.34), libyaml-0-2, libcyaml1, libssl3")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "helm, kubectl")
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
include(CPack)
