# Cross build for linux-arm64 with Debian's cross toolchain and multiarch
# libraries (packages: crossbuild-essential-arm64, libyaml-dev:arm64,
# libcyaml-dev:arm64, libssl-dev:arm64). Used by packaging/release.sh:
#   cmake -S . -B build-arm64 --toolchain packaging/toolchain-linux-arm64.cmake -DCMFV_STATIC_DEPS=ON
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_STRIP aarch64-linux-gnu-strip CACHE FILEPATH "strip for arm64")
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Only the arm64 libraries and .pc files, never the build machine's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
# The tests are not cross-run by ctest; release.sh runs them under qemu.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
