/* host.h - included first in every file of the WebAssembly build (-include):
 * declares what wasi-libc leaves out and host.c stands in for. */
#ifndef WASM_HOST_H
#define WASM_HOST_H

#include <stdio.h>

FILE *popen(const char *command, const char *mode);
int pclose(FILE *stream);
int mkstemp(char *template);

#endif
