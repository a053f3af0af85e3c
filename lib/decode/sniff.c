/* SPDX-License-Identifier: MIT */
/* Format identification from the first bytes (never from the file name). */
#include <string.h>

#include "image.h"
#include "phash/media.h"
#include "container/archive.h"
#include "container/pdf.h"

static int starts_with(const uint8_t *p, size_t len, const void *sig, size_t n)
{
    return len >= n && memcmp(p, sig, n) == 0;
}

/* ISO base media files: an "ftyp" box at offset 4 whose major brand names
 * an image format (HEIF, AVIF) is an image; any other brand (isom, mp41,
 * mp42, avc1, qt, M4V, 3gp*, ...) is a video. */
static phash_format sniff_ftyp(const uint8_t *p, size_t len)
{
    if (len < 12 || memcmp(p + 4, "ftyp", 4) != 0)
        return PHASH_FORMAT_UNKNOWN;
    const uint8_t *brand = p + 8;
    if (!memcmp(brand, "avif", 4) || !memcmp(brand, "avis", 4))
        return PHASH_FORMAT_AVIF;
    static const char *heif[] = {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"};
    for (size_t i = 0; i < sizeof heif / sizeof heif[0]; i++)
        if (!memcmp(brand, heif[i], 4))
            return PHASH_FORMAT_HEIF;
    return PHASH_FORMAT_MP4;
}

/* QuickTime files written without an ftyp box start with another top-level
 * atom: a plausible 32-bit size (8 or more; 1 means a 64-bit size follows)
 * and one of the atom types such files begin with. */
static int is_quicktime(const uint8_t *p, size_t len)
{
    static const char *atoms[] = {"moov", "mdat", "wide", "free", "skip", "pnot"};
    if (len < 16)
        return 0;
    uint32_t size = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (size != 1 && size < 8)
        return 0;
    for (size_t i = 0; i < sizeof atoms / sizeof atoms[0]; i++)
        if (!memcmp(p + 4, atoms[i], 4))
            return 1;
    return 0;
}

/* MPEG transport stream: sync byte 0x47 every 188 bytes (3 packets), or
 * every 192 bytes after a 4-byte time code (M2TS, Blu-ray). */
static int is_mpegts(const uint8_t *p, size_t len)
{
    for (size_t off = 0, step = 188; off <= 4; off += 4, step += 4)
        if (len > off + 2 * step && p[off] == 0x47 && p[off + step] == 0x47 &&
            p[off + 2 * step] == 0x47)
            return 1;
    return 0;
}

/* Video containers with a fixed signature at offset 0. */
static phash_format sniff_video(const uint8_t *p, size_t len)
{
    static const uint8_t asf[16] = {0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11,
                                    0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C};
    if (starts_with(p, len, "\x1A\x45\xDF\xA3", 4))
        return PHASH_FORMAT_MATROSKA; /* EBML header: Matroska, WebM */
    if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "AVI ", 4))
        return PHASH_FORMAT_AVI;
    if (len >= 9 && !memcmp(p, "FLV\x01", 4))
        return PHASH_FORMAT_FLV;
    if (starts_with(p, len, "\0\0\1\xBA", 4))
        return PHASH_FORMAT_MPEGPS; /* pack header */
    if (starts_with(p, len, asf, sizeof asf))
        return PHASH_FORMAT_ASF;
    if (is_quicktime(p, len))
        return PHASH_FORMAT_MP4;
    if (is_mpegts(p, len))
        return PHASH_FORMAT_MPEGTS;
    return PHASH_FORMAT_UNKNOWN;
}

/* Archives, compressed streams and documents. tar has its magic at 257
 * ("ustar", POSIX and GNU); pre-POSIX tar files have none and are not
 * recognised. */
static phash_format sniff_container(const uint8_t *p, size_t len)
{
    static const struct {
        const char *sig;
        size_t n;
        phash_format f;
    } sigs[] = {
        {"PK\3\4", 4, PHASH_FORMAT_ZIP},
        {"PK\5\6", 4, PHASH_FORMAT_ZIP}, /* empty archive */
        {"PK\7\x08PK\3\4", 8, PHASH_FORMAT_ZIP}, /* spanned marker */
        {"7z\xBC\xAF\x27\x1C", 6, PHASH_FORMAT_7Z},
        {"\x1F\x8B\x08", 3, PHASH_FORMAT_GZIP},
        {"\xFD" "7zXZ\0", 6, PHASH_FORMAT_XZ},
        {"\x28\xB5\x2F\xFD", 4, PHASH_FORMAT_ZSTD},
        {"Rar!\x1A\x07", 6, PHASH_FORMAT_RAR},
        {"%PDF-", 5, PHASH_FORMAT_PDF},
        {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, PHASH_FORMAT_CFB},
    };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (starts_with(p, len, sigs[i].sig, sigs[i].n))
            return sigs[i].f;
    if (len >= 4 && !memcmp(p, "BZh", 3) && p[3] >= '1' && p[3] <= '9')
        return PHASH_FORMAT_BZIP2;
    if (len >= 262 && !memcmp(p + 257, "ustar", 5))
        return PHASH_FORMAT_TAR;
    return PHASH_FORMAT_UNKNOWN;
}

static int is_pnm(const uint8_t *p, size_t len)
{
    if (len < 3 || p[0] != 'P' || p[1] < '1' || p[1] > '7')
        return 0;
    return p[2] == ' ' || p[2] == '\n' || p[2] == '\r' || p[2] == '\t';
}

phash_format phash_sniff(const void *data, size_t len)
{
    const uint8_t *p = data;
    if (!p)
        return PHASH_FORMAT_UNKNOWN;
    if (starts_with(p, len, "\xFF\xD8\xFF", 3))
        return PHASH_FORMAT_JPEG;
    if (starts_with(p, len, "\x89PNG\r\n\x1A\n", 8))
        return PHASH_FORMAT_PNG;
    if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
        return PHASH_FORMAT_WEBP;
    if (starts_with(p, len, "GIF87a", 6) || starts_with(p, len, "GIF89a", 6))
        return PHASH_FORMAT_GIF;
    if (starts_with(p, len, "II*\0", 4) || starts_with(p, len, "MM\0*", 4))
        return PHASH_FORMAT_TIFF;
    if (starts_with(p, len, "\xFF\x0A", 2) ||
        starts_with(p, len, "\0\0\0\x0CJXL \r\n\x87\n", 12))
        return PHASH_FORMAT_JXL;
    phash_format f = sniff_ftyp(p, len);
    if (f == PHASH_FORMAT_UNKNOWN)
        f = sniff_video(p, len);
    if (f == PHASH_FORMAT_UNKNOWN)
        f = sniff_container(p, len);
    if (f != PHASH_FORMAT_UNKNOWN)
        return f;
    /* Weaker two-byte signatures last. */
    if (len >= 14 && p[0] == 'B' && p[1] == 'M')
        return PHASH_FORMAT_BMP;
    if (starts_with(p, len, "\0\0\1\0", 4) && len >= 6 && (p[4] | p[5]))
        return PHASH_FORMAT_ICO;
    if (is_pnm(p, len))
        return PHASH_FORMAT_PNM;
    return PHASH_FORMAT_UNKNOWN;
}

const char *phash_format_name(phash_format format)
{
    switch (format) {
    case PHASH_FORMAT_UNKNOWN: return "unknown";
    case PHASH_FORMAT_JPEG: return "jpeg";
    case PHASH_FORMAT_PNG: return "png";
    case PHASH_FORMAT_WEBP: return "webp";
    case PHASH_FORMAT_RAW: return "raw";
    case PHASH_FORMAT_GIF: return "gif";
    case PHASH_FORMAT_BMP: return "bmp";
    case PHASH_FORMAT_TIFF: return "tiff";
    case PHASH_FORMAT_HEIF: return "heif";
    case PHASH_FORMAT_AVIF: return "avif";
    case PHASH_FORMAT_JXL: return "jxl";
    case PHASH_FORMAT_ICO: return "ico";
    case PHASH_FORMAT_PNM: return "pnm";
    case PHASH_FORMAT_MP4: return "mp4";
    case PHASH_FORMAT_MATROSKA: return "matroska";
    case PHASH_FORMAT_AVI: return "avi";
    case PHASH_FORMAT_MPEGTS: return "mpegts";
    case PHASH_FORMAT_FLV: return "flv";
    case PHASH_FORMAT_MPEGPS: return "mpegps";
    case PHASH_FORMAT_ASF: return "asf";
    case PHASH_FORMAT_ZIP: return "zip";
    case PHASH_FORMAT_7Z: return "7z";
    case PHASH_FORMAT_TAR: return "tar";
    case PHASH_FORMAT_GZIP: return "gzip";
    case PHASH_FORMAT_BZIP2: return "bzip2";
    case PHASH_FORMAT_XZ: return "xz";
    case PHASH_FORMAT_ZSTD: return "zstd";
    case PHASH_FORMAT_RAR: return "rar";
    case PHASH_FORMAT_PDF: return "pdf";
    case PHASH_FORMAT_CFB: return "cfb";
    }
    return "unknown";
}

phash_media_kind phash_format_kind(phash_format format)
{
    unsigned v = (unsigned)format;
    if (format == PHASH_FORMAT_UNKNOWN || format == PHASH_FORMAT_RAW)
        return PHASH_MEDIA_OTHER;
    if (v < 32)
        return PHASH_MEDIA_IMAGE;
    if (v < 64)
        return PHASH_MEDIA_VIDEO;
    if (v < 96)
        return PHASH_MEDIA_CONTAINER;
    return PHASH_MEDIA_OTHER;
}

const char *phash_media_kind_name(phash_media_kind kind)
{
    switch (kind) {
    case PHASH_MEDIA_OTHER: return "other";
    case PHASH_MEDIA_IMAGE: return "image";
    case PHASH_MEDIA_VIDEO: return "video";
    case PHASH_MEDIA_CONTAINER: return "container";
    }
    return "other";
}

/* The decode layer's own table: which formats this build opens. A format
 * module that lands adds its case here (and to ph_decode's dispatch). */
int phash_format_supported(phash_format format)
{
    switch (format) {
    case PHASH_FORMAT_JPEG:
    case PHASH_FORMAT_PNG:
    case PHASH_FORMAT_WEBP:
    case PHASH_FORMAT_PNM:
    case PHASH_FORMAT_BMP:
        return 1;
    /* Optional formats: built when their library was found (meson options). */
    case PHASH_FORMAT_GIF: return PH_HAVE_GIF;
    case PHASH_FORMAT_TIFF: return PH_HAVE_TIFF;
    case PHASH_FORMAT_HEIF: return PH_HAVE_HEIF;
    case PHASH_FORMAT_AVIF: return PH_HAVE_AVIF;
    case PHASH_FORMAT_JXL: return PH_HAVE_JXL;
    case PHASH_FORMAT_MP4:
    case PHASH_FORMAT_MATROSKA:
    case PHASH_FORMAT_AVI:
    case PHASH_FORMAT_MPEGTS:
    case PHASH_FORMAT_FLV:
    case PHASH_FORMAT_MPEGPS:
    case PHASH_FORMAT_ASF:
        return phash_video_supported(); /* lib/video/, when built with FFmpeg */
    case PHASH_FORMAT_PDF:
        return ph_pdf_supported(); /* lib/container/pdf.c, through qpdf */
    default:
        return ph_archive_format_supported(format); /* containers: lib/container/ */
    }
}
