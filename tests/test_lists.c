/* SPDX-License-Identifier: MIT */
/* lists: the whole-document list formats. VICS JSON (Project VIC 2.0 and
 * 1.3, Media and Cases forms, NIST CAID 1.2, UK context) streamed with
 * yajl; NCMEC hash-sharing XML streamed with libxml2's xmlReader, with its
 * tombstones. Real-shaped documents written here, their records read back
 * owner by owner, every malformed case with its message (file, record and
 * field), the limits that keep memory bounded, and exact matches with
 * their categories. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phash/phash.h"
#include "sigset_testlib.h"
#include "testutil.h"

/* Digests of "a", "b", "c" (verified with Python's hashlib). */
#define MD5_A "0cc175b9c0f1b6a831c399e269772661"
#define SHA1_A "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"
#define MD5_B "92eb5ffee6ae2fec3ad71c777531578f"
#define SHA256_B "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
#define MD5_C "4a8a08f09d37b73795649038408b5f33"
#define SHA1_C "84a516841ba77a5b4648de2cd0dfcb30ea46dbb4"
#define MD5_D "8277e0910d750195b448797616e091ad"
#define PDQ1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"

/* ---- VICS ---- */

/* Project VIC VICS 2.0, Media form, US context: every field the data model
 * names, an uppercase MD5, alternatives as {HashName, HashValue}, PhotoDNA,
 * a bad record and a PhotoDNA-only record. */
static const char vics_v2[] =
    "{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/"
    "$metadata#Media\",\"value\":[\n"
    "{\"MediaID\":101,\"Category\":1,\"MD5\":\"0CC175B9C0F1B6A831C399E269772661\","
    "\"SHA1\":\"" SHA1_A "\",\"MediaSize\":1,\"PhotoDNA\":\"QUJD\",\"Series\":\"S1\","
    "\"IsDistributed\":true,\"VictimIdentified\":false,\"DateUpdated\":\"2024-01-02T03:04:05Z\","
    "\"MediaFiles\":[{\"MD5\":\"" MD5_A "\",\"FileName\":\"a.jpg\"}]},\n"
    "{\"MediaID\":102,\"Category\":0,\"MD5\":\"" MD5_B "\",\"AlternativeHashes\":["
    "{\"HashName\":\"SHA256\",\"HashValue\":\"" SHA256_B "\"},"
    "{\"HashName\":\"PhotoDNA\",\"HashValue\":\"AAAA\"}]},\n"
    "{\"MediaID\":103,\"Category\":2,\"MD5\":\"xyz\"},\n"
    "{\"MediaID\":104,\"Category\":1,\"PhotoDNA\":\"QkJC\"}\n"
    "]}\n";

START_TEST(vics_2_0_media)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, vics_v2, "vics.json"), PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_VICS);
    /* 101: MD5 + SHA1, 102: MD5 + SHA256, 103: invalid, 104: PhotoDNA only */
    ck_assert_uint_eq(rep.records, 6);
    ck_assert_uint_eq(rep.inserted, 4);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(rep.by_reason[PHASH_SIGSET_BAD_CHARACTER], 1);
    ck_assert_uint_eq(rep.opaque_only, 1);
    ck_assert_uint_eq(rep.opaque[PHASH_SIGSET_OPAQUE_PHOTODNA], 3);
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_MD5], 2);
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_SHA1], 1);
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_SHA256], 1);
    ck_assert_uint_eq(rep.lines, 6);
    check_invariant();
    ck_assert_uint_eq(rep.n_messages, 1);
    ck_assert_str_eq(rep.messages[0], "vics.json:record 3: expected 32 hex digits (MD5), found "
                                      "\"x\" at character 1 of the hash");
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_MD5, MD5_A, 0, &o);
    ck_assert_str_eq(o.id, "101");
    ck_assert_str_eq(o.category, "1");
    ck_assert_str_eq(o.list, "vics.json");
    ck_assert_uint_eq(o.line, 1); /* the record number */
    ck_assert_str_eq(o.metadata,
                     "{\"Category\":1,\"MediaSize\":1,\"PhotoDNA\":\"QUJD\",\"Series\":\"S1\","
                     "\"IsDistributed\":true,\"VictimIdentified\":false,"
                     "\"DateUpdated\":\"2024-01-02T03:04:05Z\"}");
    owner_of(s, PHASH_SIG_SHA1, SHA1_A, 0, &o);
    ck_assert_str_eq(o.id, "101");
    owner_of(s, PHASH_SIG_SHA256, SHA256_B, 0, &o);
    ck_assert_str_eq(o.id, "102");
    ck_assert_str_eq(o.category, "0");
    ck_assert_uint_eq(o.line, 2);
    /* MediaFiles' copies of the MD5 are the same media: one owner. */
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_MD5, entry_of(s, PHASH_SIG_MD5, MD5_A)),
                      1);
    phash_sigset_free(s);
}
END_TEST

/* VICS 1.3 in the Cases form: Media nested in cases; and the same document
 * with a context that does not say #Cases (the "Media" array shows it). */
START_TEST(vics_1_3_cases)
{
    static const char *const docs[] = {
        "{\"odata.metadata\":\"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases\","
        "\"value\":[{\"CaseID\":\"c1\",\"CaseNumber\":\"2024-1\",\"SourceApplicationName\":\"X\","
        "\"Media\":[{\"MediaID\":\"m1\",\"Category\":\"1\",\"MD5\":\"" MD5_C "\"},"
        "{\"MediaID\":\"m2\",\"Category\":\"2\",\"SHA1\":\"" SHA1_C "\"}]},"
        "{\"CaseID\":\"c2\",\"Media\":[{\"MediaID\":\"m3\",\"MD5\":\"" MD5_D "\"}]}]}",
        "{\"odata.metadata\":\"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media\","
        "\"value\":[{\"CaseID\":\"c1\",\"CaseNumber\":\"2024-1\",\"SourceApplicationName\":\"X\","
        "\"Media\":[{\"MediaID\":\"m1\",\"Category\":\"1\",\"MD5\":\"" MD5_C "\"},"
        "{\"MediaID\":\"m2\",\"Category\":\"2\",\"SHA1\":\"" SHA1_C "\"}]},"
        "{\"CaseID\":\"c2\",\"Media\":[{\"MediaID\":\"m3\",\"MD5\":\"" MD5_D "\"}]}]}",
    };
    for (int k = 0; k < 2; k++) {
        phash_sigset *s = NULL;
        ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
        ck_assert_int_eq(load(s, docs[k], "cases.json"), PHASH_OK);
        ck_assert_uint_eq(rep.records, 3);
        ck_assert_uint_eq(rep.inserted, 3);
        ck_assert_uint_eq(rep.invalid, 0);
        phash_sigset_owner o;
        owner_of(s, PHASH_SIG_SHA1, SHA1_C, 0, &o);
        ck_assert_str_eq(o.id, "m2");
        ck_assert_str_eq(o.category, "2");
        owner_of(s, PHASH_SIG_MD5, MD5_D, 0, &o);
        ck_assert_str_eq(o.id, "m3");
        ck_assert_str_eq(o.category, "");
        phash_sigset_free(s);
    }
}
END_TEST

/* NIST CAID non-RDS (VICS 1.2): MD5, SHA1, MediaSize, nested FileName;
 * no MediaID (the record number is the id). UK CAID: 2.0 with /UK/. */
START_TEST(vics_caid)
{
    static const char caid[] =
        "{\"odata.metadata\":\"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media\","
        "\"value\":[{\"MD5\":\"" MD5_A "\",\"SHA1\":\"" SHA1_A "\",\"MediaSize\":1,"
        "\"MediaFiles\":[{\"FileName\":\"kernel32.dll\"}]},"
        "{\"MD5\":\"" MD5_B "\",\"MediaSize\":1}]}";
    static const char uk[] =
        "{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/"
        "$metadata#Media\",\"value\":[{\"MediaID\":7,\"Category\":\"A\",\"SHA1\":\"" SHA1_C
        "\"}]}";
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, caid, "caid.json"), PHASH_OK);
    ck_assert_uint_eq(rep.inserted, 3);
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_MD5, MD5_B, 0, &o);
    ck_assert_str_eq(o.id, "2");
    ck_assert_str_eq(o.metadata, "{\"MediaSize\":1}");
    ck_assert_int_eq(load(s, uk, "uk.json"), PHASH_OK);
    owner_of(s, PHASH_SIG_SHA1, SHA1_C, 0, &o);
    ck_assert_str_eq(o.category, "A");
    ck_assert_str_eq(o.list, "uk.json");
    phash_sigset_free(s);
}
END_TEST

/* A real VICS file is one line of hundreds of MB: 3,000 records on one
 * line with a 256-byte limit load from a file, in pieces (each record is
 * far below the limit, the line far above it). */
START_TEST(vics_one_huge_line_from_a_file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/vics-line-%ld.json",
             getenv("PHASH_BUILD_ROOT") ? getenv("PHASH_BUILD_ROOT") : "/tmp", (long)getpid());
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("\xEF\xBB\xBF{\"odata.metadata\":\"x/1.3.xml#Media\",\"value\":[", f);
    for (int i = 0; i < 3000; i++)
        fprintf(f, "%s{\"MediaID\":%d,\"Category\":%d,\"MD5\":\"%032x\"}", i ? "," : "", i,
                i % 3, i + 1);
    fputs("]}", f);
    ck_assert_int_eq(fclose(f), 0);
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_MAX_LINE, 256), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_file(s, path, &rep), PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_VICS);
    ck_assert_uint_eq(rep.records, 3000);
    ck_assert_uint_eq(rep.inserted, 3000);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 3000);
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_MD5, "00000000000000000000000000000bb8", 0, &o); /* 3000 */
    ck_assert_str_eq(o.id, "2999");
    ck_assert_str_eq(o.category, "2");
    ck_assert_uint_eq(o.line, 3000);
    /* The provenance digest saw every byte, through the raw reader. */
    uint64_t size;
    ck_assert_int_eq(phash_sigset_list_info(s, 0, NULL, &size, NULL, NULL), PHASH_OK);
    FILE *g = fopen(path, "rb");
    fseek(g, 0, SEEK_END);
    ck_assert_uint_eq(size, (uint64_t)ftell(g));
    fclose(g);
    unlink(path);
    phash_sigset_free(s);
}
END_TEST

/* Every way a VICS document can be broken: the load fails with the place
 * said, and the set is unchanged. */
START_TEST(vics_malformed)
{
    static const struct {
        const char *doc;
        phash_sigset_problem problem;
        const char *message;
    } cases[] = {
        {"{\"odata.metadata\":\"#Media\",\"value\":[{\"MD5\":\"" MD5_A "\"},{\"MD5\":",
         PHASH_SIGSET_BAD_SYNTAX,
         "v.json:record 2: expected valid JSON at byte 86, found a parse error: premature EOF"},
        {"{\"odata.metadata\":\"#Media\",\"value\":[{\"MD5\":\"" MD5_A "\",]}",
         PHASH_SIGSET_BAD_SYNTAX, NULL},
        {"{\"odata.metadata\":\"#Media\",\"items\":[{\"MD5\":\"" MD5_A "\"}]}",
         PHASH_SIGSET_MISSING_HASH,
         "v.json:record 0: expected a VICS document (an object with a \"value\" array of Media "
         "records), found none"},
        {"{\"odata.metadata\":\"#Media\",\"value\":[{\"MD5\":\"\xff\xfe\"}]}",
         PHASH_SIGSET_BAD_SYNTAX, NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        phash_sigset *s = NULL;
        ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
        ck_assert_int_eq(load(s, cases[k].doc, "v.json"), PHASH_ERR_BAD_FILE);
        ck_assert_int_eq(rep.format, PHASH_SIGSET_VICS);
        ck_assert_uint_eq(rep.by_reason[cases[k].problem], 1);
        ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 0);
        if (cases[k].message) {
            ck_assert_str_eq(rep.messages[rep.n_messages - 1], cases[k].message);
            ck_assert_str_eq(phash_sigset_last_error(s), cases[k].message);
        }
        phash_sigset_free(s);
    }
}
END_TEST

/* Memory stays bounded against a hostile file: a string longer than the
 * limit is refused before yajl buffers it, nesting past 64 is refused, and
 * a record whose fields outgrow the limit is rejected (the others load). */
START_TEST(vics_limits)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_MAX_LINE, 256), PHASH_OK);
    char doc[8192];
    int n = snprintf(doc, sizeof doc, "{\"odata.metadata\":\"#Media\",\"value\":[{\"Comments\":\"");
    memset(doc + n, 'x', 600);
    snprintf(doc + n + 600, sizeof doc - (size_t)n - 600, "\"}]}");
    ck_assert_int_eq(load(s, doc, "long.json"), PHASH_ERR_BAD_FILE);
    ck_assert_uint_eq(rep.by_reason[PHASH_SIGSET_LINE_TOO_LONG], 1);
    ck_assert_str_eq(rep.messages[0], "long.json:record 1: expected JSON values of at most 256 "
                                      "bytes, found a longer one at byte 305");
    /* deep nesting */
    n = snprintf(doc, sizeof doc, "{\"odata.metadata\":\"#Media\",\"value\":");
    for (int i = 0; i < 100; i++)
        doc[n++] = '[';
    doc[n] = '\0';
    ck_assert_int_eq(load(s, doc, "deep.json"), PHASH_ERR_BAD_FILE);
    ck_assert_uint_eq(rep.by_reason[PHASH_SIGSET_BAD_SYNTAX], 1);
    ck_assert_ptr_nonnull(strstr(rep.messages[0], "expected JSON nested at most 64 deep"));
    /* a record too large for the limit: rejected, the next one loads */
    n = snprintf(doc, sizeof doc, "{\"odata.metadata\":\"#Media\",\"value\":[{\"MD5\":\"" MD5_A
                                  "\"");
    for (int i = 0; i < 12; i++)
        n += snprintf(doc + n, sizeof doc - (size_t)n, ",\"Tag%d\":\"%0200d\"", i, i);
    snprintf(doc + n, sizeof doc - (size_t)n, "},{\"MD5\":\"" MD5_B "\"}]}");
    ck_assert_int_eq(load(s, doc, "big.json"), PHASH_OK);
    ck_assert_uint_eq(rep.by_reason[PHASH_SIGSET_LINE_TOO_LONG], 1);
    ck_assert_uint_eq(rep.inserted, 1);
    ck_assert_int_ge(entry_of(s, PHASH_SIG_MD5, MD5_B), 0);
    ck_assert_int_lt(entry_of(s, PHASH_SIG_MD5, MD5_A), 0);
    ck_assert_str_eq(rep.messages[0], "big.json:record 1: expected a Media record of at most "
                                      "256 bytes (or 16 hashes), found a larger one");
    check_invariant();
    phash_sigset_free(s);
}
END_TEST

/* Strict mode: the first invalid record fails the load with its place;
 * detection: BOM, whitespace and pretty-printing still make a VICS file,
 * a JSON-lines file stays JSON lines, the format option forces VICS on a
 * document without an OData marker. */
START_TEST(vics_strict_and_detection)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_STRICT, 1), PHASH_OK);
    ck_assert_int_eq(load(s, vics_v2, "vics.json"), PHASH_ERR_BAD_FILE);
    ck_assert_str_eq(phash_sigset_last_error(s), "vics.json:record 3: expected 32 hex digits "
                                                 "(MD5), found \"x\" at character 1 of the hash");
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 0);
    phash_sigset_free(s);

    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, "\xEF\xBB\xBF \r\n{\n  \"odata.metadata\": \"x#Media\",\n  \"value\": "
                             "[\n    {\n      \"MD5\": \"" MD5_A "\"\n    }\n  ]\n}\n",
                          "pretty.json"),
                     PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_VICS);
    ck_assert_uint_eq(rep.lines, 9);
    ck_assert_int_eq(load(s, "{\"md5\":\"" MD5_B "\",\"id\":\"x\"}\n", "l.jsonl"), PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_JSONL);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_FORMAT, PHASH_SIGSET_VICS),
                     PHASH_OK);
    ck_assert_int_eq(load(s, "{\"value\":[{\"MD5\":\"" MD5_C "\"}]}", "bare.json"), PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_VICS);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 3);
    phash_sigset_free(s);
}
END_TEST

/* ---- NCMEC ---- */

/* The shape of python-threatexchange's NCMEC API v2 test data. */
static const char ncmec_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<queryResult xmlns=\"https://hashsharing.ncmec.org/hashsharing/v2\">\n"
    "  <images count=\"3\" maxTimestamp=\"2017-10-24T15:10:00Z\">\n"
    "    <image>\n"
    "      <member id=\"42\">Example Member</member>\n"
    "      <timestamp>2017-10-24T15:00:00Z</timestamp>\n"
    "      <id>image1</id>\n"
    "      <classification>A1</classification>\n"
    "      <fingerprints>\n"
    "        <md5>" MD5_A "</md5>\n"
    "        <sha1>" SHA1_A "</sha1>\n"
    "        <pdna>a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1</pdna>\n"
    "      </fingerprints>\n"
    "      <feedback lastUpdateTimestamp=\"2023-06-01T12:48:14Z\">\n"
    "        <affirmativeFeedback type=\"Md5\"><members><member id=\"42\">Example Member"
    "</member></members></affirmativeFeedback>\n"
    "      </feedback>\n"
    "    </image>\n"
    "    <image>\n"
    "      <member id=\"43\">Other</member>\n"
    "      <id>image4</id>\n"
    "      <classification>B2</classification>\n"
    "      <fingerprints><md5>" MD5_C "</md5><pdq>" PDQ1 "</pdq></fingerprints>\n"
    "    </image>\n"
    "    <deletedImage>\n"
    "      <member id=\"43\">Example Member2</member>\n"
    "      <id>image4</id>\n"
    "      <timestamp>2017-10-24T15:10:00Z</timestamp>\n"
    "    </deletedImage>\n"
    "  </images>\n"
    "  <videos count=\"2\" maxTimestamp=\"2017-10-24T15:20:00Z\">\n"
    "    <video>\n"
    "      <member id=\"42\">Example Member</member>\n"
    "      <id>video1</id>\n"
    "      <fingerprints>\n"
    "        <md5>" MD5_B "</md5>\n"
    "        <tmk-pdqf rel=\"self\" href=\"/v2/entries/1/fingerprints/TMK_PDQF\"/>\n"
    "      </fingerprints>\n"
    "    </video>\n"
    "    <deletedVideo><id>video4</id></deletedVideo>\n"
    "  </videos>\n"
    "  <paging><next>/v2/entries?from=2017&amp;to=2018</next></paging>\n"
    "</queryResult>\n";

START_TEST(ncmec_entries_and_tombstones)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, ncmec_xml, "ncmec.xml"), PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_NCMEC);
    ck_assert_uint_eq(rep.records, 5);
    ck_assert_uint_eq(rep.inserted, 5);
    ck_assert_uint_eq(rep.invalid, 0);
    ck_assert_uint_eq(rep.tombstones, 2);
    ck_assert_uint_eq(rep.deleted, 2); /* image4's MD5 and PDQ */
    ck_assert_uint_eq(rep.opaque[PHASH_SIGSET_OPAQUE_PHOTODNA], 1);
    ck_assert_uint_eq(rep.opaque[PHASH_SIGSET_OPAQUE_TMK], 1);
    check_invariant();
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 2);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 0);
    ck_assert_int_lt(entry_of(s, PHASH_SIG_MD5, MD5_C), 0);
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_SHA1, SHA1_A, 0, &o);
    ck_assert_str_eq(o.id, "image1");
    ck_assert_str_eq(o.category, "A1");
    ck_assert_uint_eq(o.line, 1);
    ck_assert_str_eq(o.metadata,
                     "{\"type\":\"image\",\"member_id\":\"42\",\"member\":\"Example Member\","
                     "\"timestamp\":\"2017-10-24T15:00:00Z\",\"classification\":\"A1\","
                     "\"pdna\":\"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1\"}");
    owner_of(s, PHASH_SIG_MD5, MD5_B, 0, &o);
    ck_assert_str_eq(o.id, "video1");
    ck_assert_str_eq(o.category, "");
    ck_assert_str_eq(o.metadata, "{\"type\":\"video\",\"member_id\":\"42\",\"member\":\"Example "
                                 "Member\",\"tmk-pdqf\":\"\"}");
    /* Exact matching with the category. */
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(m, s), PHASH_OK);
    phash_matches *r = NULL;
    ck_assert_int_eq(phash_matches_new(&r), PHASH_OK);
    uint8_t code[20];
    hex_bytes(SHA1_A, code);
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_SHA1, code, 1, 0, r), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(r), 1);
    ck_assert_int_eq(phash_matches_owner(r, 0, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.category, "A1");
    hex_bytes(MD5_C, code);
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_MD5, code, 1, 0, r), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(r), 0); /* deleted */
    phash_matches_free(r);
    phash_matcher_free(m);
}
END_TEST

/* A tombstone drops only what came before it in the same load: an id
 * re-added after it stands, an entry another record shares keeps that
 * owner, and lists loaded before are not changed. */
START_TEST(ncmec_tombstone_scope)
{
    static const char doc[] =
        "<queryResult><images>"
        "<image><id>x</id><fingerprints><md5>" MD5_A "</md5></fingerprints></image>"
        "<image><id>y</id><fingerprints><md5>" MD5_A "</md5></fingerprints></image>"
        "<image><id>z</id><fingerprints><md5>" MD5_D "</md5></fingerprints></image>"
        "<deletedImage><id>x</id></deletedImage>"
        "<deletedImage><id>z</id></deletedImage>"
        "<image><id>z</id><fingerprints><md5>" MD5_C "</md5></fingerprints></image>"
        "<deletedImage><id>b</id></deletedImage>"
        "</images></queryResult>";
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, "md5,id\n" MD5_B ",b\n", "earlier.csv"), PHASH_OK);
    ck_assert_int_eq(load(s, doc, "page.xml"), PHASH_OK);
    ck_assert_uint_eq(rep.tombstones, 3);
    ck_assert_uint_eq(rep.deleted, 2); /* x's and the first z's */
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 3); /* B, A, C */
    long a = entry_of(s, PHASH_SIG_MD5, MD5_A);
    ck_assert_int_ge(a, 0);
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_MD5, (size_t)a), 1);
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_MD5, MD5_A, 0, &o);
    ck_assert_str_eq(o.id, "y");
    owner_of(s, PHASH_SIG_MD5, MD5_C, 0, &o);
    ck_assert_str_eq(o.id, "z");
    ck_assert_int_lt(entry_of(s, PHASH_SIG_MD5, MD5_D), 0);
    owner_of(s, PHASH_SIG_MD5, MD5_B, 0, &o);
    ck_assert_str_eq(o.list, "earlier.csv"); /* not touched by page.xml's tombstone of b */
    /* The set is consistent: a second identical load finds every record a duplicate. */
    ck_assert_int_eq(load(s, doc, "page.xml"), PHASH_OK);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 3);
    phash_sigset_free(s);
}
END_TEST

START_TEST(ncmec_malformed)
{
    static const struct {
        const char *doc;
        phash_status st;
        phash_sigset_problem problem;
        const char *message; /* a prefix */
    } cases[] = {
        /* cut short */
        {"<queryResult><images><image><id>x</id><fingerprints><md5>" MD5_A "</md5>",
         PHASH_ERR_BAD_FILE, PHASH_SIGSET_BAD_SYNTAX,
         "n.xml:record 1: expected well-formed XML, found "},
        /* a DOCTYPE (entity expansion bombs live there) */
        {"<?xml version=\"1.0\"?><!DOCTYPE q [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
         "<queryResult><images><image><id>&b;</id></image></images></queryResult>",
         PHASH_ERR_BAD_FILE, PHASH_SIGSET_BAD_SYNTAX,
         "n.xml:record 0: expected no DOCTYPE (an NCMEC document has none), found one"},
        /* another NCMEC document */
        {"<status xmlns=\"https://hashsharing.ncmec.org/hashsharing/v2\"><member id=\"1\">x"
         "</member></status><!-- queryResult -->",
         PHASH_ERR_BAD_FILE, PHASH_SIGSET_BAD_SYNTAX,
         "n.xml:record 0: expected an NCMEC <queryResult> document, found <status> (XML line 1)"},
        /* no entries */
        {"<queryResult><images/></queryResult>", PHASH_ERR_BAD_FILE, PHASH_SIGSET_MISSING_HASH,
         "n.xml:record 0: expected <image> or <video> entries"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        phash_sigset *s = NULL;
        ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
        ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_FORMAT, PHASH_SIGSET_NCMEC),
                         PHASH_OK);
        ck_assert_int_eq(load(s, cases[k].doc, "n.xml"), cases[k].st);
        ck_assert_uint_eq(rep.by_reason[cases[k].problem], 1);
        ck_assert_msg(!strncmp(rep.messages[rep.n_messages - 1], cases[k].message,
                               strlen(cases[k].message)),
                      "case %zu: %s", k, rep.messages[rep.n_messages - 1]);
        ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 0);
        phash_sigset_free(s);
    }
    /* Bad records inside a good document: counted with their place. */
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s,
                          "<queryResult><images>"
                          "<image><id>a</id><fingerprints><md5>zz</md5></fingerprints></image>\n"
                          "<image><id>b</id></image>\n"
                          "<deletedImage><member id=\"1\">m</member></deletedImage>\n"
                          "<image><id>c</id><fingerprints><md5><![CDATA[" MD5_C
                          "]]></md5></fingerprints></image>"
                          "</images></queryResult>",
                          "n.xml"),
                     PHASH_OK);
    ck_assert_uint_eq(rep.invalid, 3);
    ck_assert_uint_eq(rep.inserted, 1);
    check_invariant();
    ck_assert_str_eq(rep.messages[0], "n.xml:record 1: expected 32 hex digits (MD5), found "
                                      "\"z\" at character 1 of the hash");
    ck_assert_str_eq(rep.messages[1], "n.xml:record 2: expected a hash (MD5, SHA1, SHA256, "
                                      "PDQ, ...) in the image, found none");
    ck_assert_str_eq(rep.messages[2], "n.xml:record 3: expected an <id> in the tombstone, "
                                      "found none");
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_MD5, MD5_C, 0, &o);
    ck_assert_str_eq(o.id, "c");
    /* strict: the first bad record fails the load, tombstones and all */
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_STRICT, 1), PHASH_OK);
    ck_assert_int_eq(load(s,
                          "<queryResult><images>"
                          "<image><id>d</id><fingerprints><md5>" MD5_D "</md5></fingerprints>"
                          "</image><deletedImage><id>c</id></deletedImage>"
                          "<image><id>e</id><fingerprints><sha1>12</sha1></fingerprints></image>"
                          "</images></queryResult>",
                          "n2.xml"),
                     PHASH_ERR_BAD_FILE);
    ck_assert_str_eq(phash_sigset_last_error(s), "n2.xml:record 3: expected 40 hex digits "
                                                 "(SHA-1), found 2 hex digits");
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 1);
    ck_assert_int_lt(entry_of(s, PHASH_SIG_MD5, MD5_D), 0);
    phash_sigset_free(s);
}
END_TEST

/* Allowlist entries: VICS Category 0 (Non-Pertinent), every entry of a
 * NIST CAID (VICS 1.2) document, every entry of a list loaded with
 * PHASH_SIGSET_OPT_ALLOWLIST; the flag survives a compiled set. */
START_TEST(allowlist_flags)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, vics_v2, "vics.json"), PHASH_OK);
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_MD5, MD5_B, 0, &o); /* Category 0 */
    ck_assert_uint_eq(o.flags, PHASH_SIGSET_FLAG_ALLOW);
    owner_of(s, PHASH_SIG_MD5, MD5_A, 0, &o); /* Category 1 */
    ck_assert_uint_eq(o.flags, 0);
    ck_assert_int_eq(load(s,
                          "{\"odata.metadata\":\"http://github.com/ICMEC/ProjectVic/DataModels/"
                          "1.2.xml#Media\",\"value\":[{\"MD5\":\"" MD5_C "\"}]}",
                          "caid.json"),
                     PHASH_OK);
    owner_of(s, PHASH_SIG_MD5, MD5_C, 0, &o);
    ck_assert_uint_eq(o.flags, PHASH_SIGSET_FLAG_ALLOW);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_ALLOWLIST, 1), PHASH_OK);
    ck_assert_int_eq(phash_sigset_get_option(s, PHASH_SIGSET_OPT_ALLOWLIST), 1);
    ck_assert_int_eq(load(s, "md5,id\n" MD5_A ",known\n", "known.csv"), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_ALLOWLIST, 2),
                     PHASH_ERR_INVALID_ARG);
    owner_of(s, PHASH_SIG_MD5, MD5_A, 0, &o); /* the VICS owner is unchanged */
    ck_assert_uint_eq(o.flags, 0);
    owner_of(s, PHASH_SIG_MD5, MD5_A, 1, &o);
    ck_assert_str_eq(o.list, "known.csv");
    ck_assert_uint_eq(o.flags, PHASH_SIGSET_FLAG_ALLOW);
    char path[256];
    snprintf(path, sizeof path, "%s/allow-%ld.phx",
             getenv("PHASH_BUILD_ROOT") ? getenv("PHASH_BUILD_ROOT") : "/tmp", (long)getpid());
    ck_assert_int_eq(phash_sigset_save(s, path), PHASH_OK);
    phash_sigset *back = NULL;
    ck_assert_int_eq(phash_sigset_open(path, &back, NULL), PHASH_OK);
    owner_of(back, PHASH_SIG_MD5, MD5_A, 1, &o);
    ck_assert_uint_eq(o.flags, PHASH_SIGSET_FLAG_ALLOW);
    phash_sigset_free(back);
    unlink(path);
    phash_sigset_free(s);
}
END_TEST

/* A record's metadata is stored once, whatever the number of its hashes:
 * the MD5 and SHA-1 owners of VICS record 101 share one copy (pointer
 * equality), a 1M-record list holds it once, not once per hash. */
START_TEST(vics_metadata_once_per_record)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, vics_v2, "vics.json"), PHASH_OK);
    phash_sigset_owner md5, sha1;
    owner_of(s, PHASH_SIG_MD5, MD5_A, 0, &md5);
    owner_of(s, PHASH_SIG_SHA1, SHA1_A, 0, &sha1);
    ck_assert_str_eq(md5.metadata, sha1.metadata);
    ck_assert_ptr_eq(md5.metadata, sha1.metadata);
    ck_assert_ptr_eq(md5.id, sha1.id);
    /* Another record's owners have their own. */
    phash_sigset_owner b;
    owner_of(s, PHASH_SIG_MD5, MD5_B, 0, &b);
    ck_assert_ptr_ne(b.metadata, md5.metadata);
    ck_assert_str_eq(b.id, "102");
    phash_sigset_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lists");
    TCase *tc = tcase_create("lists");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, vics_2_0_media);
    tcase_add_test(tc, vics_1_3_cases);
    tcase_add_test(tc, vics_caid);
    tcase_add_test(tc, vics_one_huge_line_from_a_file);
    tcase_add_test(tc, vics_malformed);
    tcase_add_test(tc, vics_limits);
    tcase_add_test(tc, vics_strict_and_detection);
    tcase_add_test(tc, ncmec_entries_and_tombstones);
    tcase_add_test(tc, ncmec_tombstone_scope);
    tcase_add_test(tc, ncmec_malformed);
    tcase_add_test(tc, allowlist_flags);
    tcase_add_test(tc, vics_metadata_once_per_record);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
