/* The few C string/memory functions the freestanding build provides (lib/src/string.c).
 * Host builds (CVISOR_HOSTED) use the C library's own versions. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <lib/types.h>

#ifdef CVISOR_HOSTED
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
#endif

/* Copies at most size-1 bytes and always terminates (when size > 0); returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);

#endif
