/*
 * qr: libqrencode makes the modules, libpng writes them as a 1-bit
 * greyscale PNG into a growing buffer (no file is ever written).
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "qr.h"

#define QR_SCALE	6	/* pixels per module */
#define QR_MARGIN	4	/* modules of quiet zone (ISO/IEC 18004) */

/* The PNG as it grows. */
struct qr_buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 size;
	int		 failed;
};

static void
qr_write(png_structp png, png_bytep data, png_size_t len)
{
	struct qr_buf	*b = png_get_io_ptr(png);
	unsigned char	*grown;
	size_t		 size;

	if (b->failed)
		return;
	if (b->len + len > b->size) {
		size = b->size == 0 ? 4096 : b->size;
		while (size < b->len + len)
			size *= 2;
		if ((grown = realloc(b->data, size)) == NULL) {
			b->failed = 1;
			return;
		}
		b->data = grown;
		b->size = size;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void
qr_flush(png_structp png)
{
	(void)png;
}

/* Write the modules of code as a PNG into b; 0 or -1. */
static int
qr_encode_png(const QRcode *code, struct qr_buf *b)
{
	png_structp	 png;
	png_infop	 info = NULL;
	unsigned char	*volatile row = NULL;	/* kept across setjmp() */
	size_t		 side, rowlen, x, y, mx, my;
	volatile int	 rc = -1;	/* set after setjmp() */

	side = ((size_t)code->width + 2 * QR_MARGIN) * QR_SCALE;
	rowlen = (side + 7) / 8;
	if ((png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
	    NULL)) == NULL)
		return -1;
	if ((info = png_create_info_struct(png)) == NULL ||
	    (row = malloc(rowlen)) == NULL)
		goto done;
	/* libpng reports its errors by longjmp. */
	if (setjmp(png_jmpbuf(png)))
		goto done;
	png_set_write_fn(png, b, qr_write, qr_flush);
	png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 1,
	    PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < side; y++) {
		/* 1 bits are white: the quiet zone, and light modules. */
		memset(row, 0xff, rowlen);
		my = y / QR_SCALE;
		for (x = 0; x < side; x++) {
			mx = x / QR_SCALE;
			if (my < QR_MARGIN || mx < QR_MARGIN ||
			    my >= QR_MARGIN + (size_t)code->width ||
			    mx >= QR_MARGIN + (size_t)code->width)
				continue;
			if (code->data[(my - QR_MARGIN) * (size_t)code->width +
			    (mx - QR_MARGIN)] & 1)
				row[x / 8] &= (unsigned char)~(0x80 >> (x % 8));
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	rc = b->failed ? -1 : 0;
done:
	free(row);
	png_destroy_write_struct(&png, info != NULL ? &info : NULL);
	return rc;
}

int
qr_png(const char *text, unsigned char **png, size_t *len)
{
	QRcode		*code;
	struct qr_buf	 b = { NULL, 0, 0, 0 };

	if ((code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8,
	    1)) == NULL)
		return -1;
	if (qr_encode_png(code, &b) == -1) {
		QRcode_free(code);
		free(b.data);
		return -1;
	}
	QRcode_free(code);
	*png = b.data;
	*len = b.len;
	return 0;
}
