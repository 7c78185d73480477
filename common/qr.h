/*
 * qr: a QR code of a short text (the otpauth URL) as a PNG image in
 * memory, through libqrencode and libpng.
 */
#ifndef QR_H
#define QR_H

#include <stddef.h>

/*
 * Encode text (NUL-terminated, error correction level M) as a black on
 * white PNG, a few pixels a module and the quiet zone around it, into
 * *png (malloc'd, the caller's to free) of *len bytes.  Returns 0, or -1
 * (out of memory, or a text too long for a QR code).
 */
int	qr_png(const char *text, unsigned char **png, size_t *len);

#endif
