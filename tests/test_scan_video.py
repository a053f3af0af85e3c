# SPDX-License-Identifier: MIT
"""phash scan over videos (lib/scan/kind_video.c): a folder with sample
videos and copies made here with the ffmpeg CLI (re-encoded, resized, cut),
matched against a video list in each form (the reference CLI's per-frame
file, HMA's JSON array in a CSV export) and an image list holding the PDQ
of one frame. The match sets are exact; so are the percentages and time
ranges that follow from the reference data (the originals and the cut)."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PHASH = sys.argv.pop(1)
SHARED = os.environ.get("PHASH_SHARED", "../shared")
DATA = os.path.join(SHARED, "testdata", "vpdq")
VIDEOS = os.path.join(DATA, "videos")
CHAIR_LIST = os.path.join(DATA, "expected", "debian12", "chair-19-sd-bar-r1.txt")
FRAME5_PDQ = "54c9f04ba0d76ae356d29596eb0deb44d194c1f8835386938609be0f965e96de"


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def ffmpeg(*args):
    p = run(["ffmpeg", "-v", "error", "-y", "-threads", "1", *args])
    assert p.returncode == 0, p.stderr


class ScanVideos(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        t = cls.tmp.name
        cls.dir = os.path.join(t, "scan")
        os.mkdir(cls.dir)
        for name in ("chair-19-sd-bar", "chair-20-sd-bar", "pattern-hd-no-bar",
                     "pattern-sd-grey-bar"):
            shutil.copy(os.path.join(VIDEOS, name + ".mp4"), cls.dir)
        chair = os.path.join(VIDEOS, "chair-19-sd-bar.mp4")
        x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-an"]
        ffmpeg("-i", chair, "-crf", "36", *x264, os.path.join(cls.dir, "chair-reenc.mp4"))
        ffmpeg("-i", chair, "-vf", "scale=240:-2", *x264, os.path.join(cls.dir, "chair-small.mkv"))
        ffmpeg("-ss", "4", "-i", chair, "-t", "8", *x264, os.path.join(cls.dir, "chair-cut.mp4"))
        with open(os.path.join(cls.dir, "notes.txt"), "w") as f:
            f.write("not a video\n")
        # The pattern video as HMA writes it: a JSON array in a CSV export.
        p = run([PHASH, "hash", "--algo", "vpdq", "--hma",
                 os.path.join(VIDEOS, "pattern-hd-no-bar.mp4")])
        assert p.returncode == 0, p.stderr
        cls.videos_csv = os.path.join(t, "videos.csv")
        with open(cls.videos_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["signal_type", "signal_str", "id", "category"])
            w.writerow(["vpdq", p.stdout.strip(), "PATTERN-HD", "A1"])
        cls.images_csv = os.path.join(t, "images.csv")
        with open(cls.images_csv, "w") as f:
            f.write(f"hash,id\n{FRAME5_PDQ},FRAME5\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, *extra, lists=None, paths=None):
        if lists is None:
            lists = [CHAIR_LIST, self.videos_csv, self.images_csv]
        paths = [os.path.join(self.dir, p) for p in paths] if paths else [self.dir]
        args = [PHASH, "scan", *paths, "--no-nice", *extra]
        for lst in lists:
            args += ["--signatures", lst]
        p = run(args)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return p

    def rows(self, *extra, paths=None):
        p = self.scan(*extra, paths=paths)
        return {(os.path.basename(r["path"]), r["algo"], r["id"]): r
                for r in csv.DictReader(io.StringIO(p.stdout))}

    def test_match_set_and_figures(self):
        rows = self.rows()
        chair = "chair-19-sd-bar-r1"  # the per-frame file's id: its base name
        self.assertEqual(sorted(rows), sorted([
            ("chair-19-sd-bar.mp4", "vpdq", chair), ("chair-19-sd-bar.mp4", "pdq", "FRAME5"),
            ("chair-reenc.mp4", "vpdq", chair), ("chair-reenc.mp4", "pdq", "FRAME5"),
            ("chair-small.mkv", "vpdq", chair), ("chair-small.mkv", "pdq", "FRAME5"),
            ("chair-cut.mp4", "vpdq", chair), ("chair-cut.mp4", "pdq", "FRAME5"),
            ("pattern-hd-no-bar.mp4", "vpdq", "PATTERN-HD")]))
        # The originals: every frame equals the list's (Debian's FFmpeg).
        r = rows[("chair-19-sd-bar.mp4", "vpdq", chair)]
        self.assertEqual((r["time"], r["query_percent"], r["index_percent"], r["distance"]),
                         ("0.000-18.000", "100.00", "100.00", "0"))
        r = rows[("pattern-hd-no-bar.mp4", "vpdq", "PATTERN-HD")]
        self.assertEqual((r["time"], r["query_percent"], r["index_percent"], r["list"]),
                         ("0.000-6.000", "100.00", "100.00", self.videos_csv))
        self.assertEqual(r["metadata"], "category=A1")
        # The frame at 5 s is the listed image, exactly.
        r = rows[("chair-19-sd-bar.mp4", "pdq", "FRAME5")]
        self.assertEqual((r["distance"], r["time"], r["hash"]), ("0", "5.000-5.000", FRAME5_PDQ))
        # The cut (4 s to 12 s): all of its 8 frames are the listed video's,
        # 8 of its 19 (42.11 %); the image is at 1 s into the cut.
        r = rows[("chair-cut.mp4", "vpdq", chair)]
        self.assertEqual((r["time"], r["query_percent"], r["index_percent"]),
                         ("0.000-7.000", "100.00", "42.11"))
        self.assertEqual(rows[("chair-cut.mp4", "pdq", "FRAME5")]["time"], "1.000-1.000")
        # Re-encoded and resized: the whole video, and the frame at 5 s.
        for name in ("chair-reenc.mp4", "chair-small.mkv"):
            r = rows[(name, "vpdq", chair)]
            self.assertEqual((r["time"], r["query_percent"]), ("0.000-18.000", "100.00"), name)
            r = rows[(name, "pdq", "FRAME5")]
            self.assertEqual(r["time"], "5.000-5.000", name)
            self.assertLessEqual(int(r["distance"]), 31, name)

    def test_thresholds_and_rules(self):
        # Both thresholds at 100 %: the cut (42 % of the listed video) goes.
        rows = self.rows("--video-match", "100,100", "--algo", "vpdq")
        self.assertEqual(sorted(k[0] for k in rows), [
            "chair-19-sd-bar.mp4", "chair-reenc.mp4", "chair-small.mkv", "pattern-hd-no-bar.mp4"])
        # chair-20 is another recording: 2 of its 21 frames (9.52 %) match.
        rows = self.rows("--video-match", "9,0", "--algo", "vpdq", paths=["chair-20-sd-bar.mp4"])
        r = rows[("chair-20-sd-bar.mp4", "vpdq", "chair-19-sd-bar-r1")]
        self.assertEqual((r["query_percent"], r["time"]), ("9.52", "13.000-13.000 18.000-18.000"))
        # The C++ rule counts frames, not distinct hashes; the same here (no
        # repeated frame hash), and its distance is strict.
        cut = ["chair-cut.mp4"]
        rows = self.rows("--video-rule", "cpp", "--algo", "vpdq", paths=cut)
        self.assertEqual(rows[("chair-cut.mp4", "vpdq", "chair-19-sd-bar-r1")]["index_percent"],
                         "42.11")
        rows = self.rows("--video-rule", "cpp", "--radius", "vpdq=0", "--algo", "vpdq",
                         paths=cut)
        self.assertEqual(rows, {})
        # pdq only: frames against images, no video rows.
        rows = self.rows("--algo", "pdq", paths=cut)
        self.assertEqual(list(rows), [("chair-cut.mp4", "pdq", "FRAME5")])

    def test_json_and_every_frame(self):
        p = self.scan("--json", "--seconds-per-hash", "0", "--algo", "vpdq", "--video-match", "0",
                      lists=[self.videos_csv], paths=["pattern-hd-no-bar.mp4"])
        recs = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual(len(recs), 1, p.stdout)
        r = recs[0]
        # Every frame (206) against the 7 listed at 1 fps: each listed frame
        # is one of them, the frames between are mostly farther than 31.
        self.assertEqual((r["id"], r["algo"], r["index_percent"]), ("PATTERN-HD", "vpdq", 100.0))
        self.assertEqual((r["time_start"], r["frame"]), (0.0, 0))
        self.assertEqual(r["query_percent"], 15.2)  # 31 of 204 distinct frame hashes
        self.assertEqual(r["time"], "0.000-0.000 0.533-1.333 2.000-2.000 2.967-3.000 "
                                    "4.000-4.000 5.000-5.000 6.000-6.000")

    def test_allowlisted_image_in_the_frames(self):
        # The frame at 5 s is on an allowlist: its match is suppressed (the
        # video's own match stays), and reported as such on request.
        args = ["--algo", "vpdq,pdq", "--allowlist", self.images_csv]
        p = self.scan(*args, lists=[CHAIR_LIST], paths=["chair-19-sd-bar.mp4"])
        self.assertEqual([(r["algo"], r["id"]) for r in csv.DictReader(io.StringIO(p.stdout))],
                         [("vpdq", "chair-19-sd-bar-r1")])
        p = self.scan(*args, "--report-suppressed", "--json", lists=[CHAIR_LIST],
                      paths=["chair-19-sd-bar.mp4"])
        recs = {r["id"]: r for r in map(json.loads, p.stdout.splitlines())}
        self.assertEqual(sorted(recs), ["FRAME5", "chair-19-sd-bar-r1"])
        self.assertEqual((recs["FRAME5"]["suppressed"], recs["FRAME5"]["time"]),
                         (True, "5.000-5.000"))

    def test_allowlisted_video(self):
        # The chair video is on an allowlist too (the same per-frame file
        # under another name): its matches with the police list are the same
        # signature and are suppressed; the pattern video, matched in the
        # same scan, is not cleared by it. The allowlist's own matches never
        # alert. (Before, vPDQ records carried no owner flags: the
        # allowlisted video was reported as a match.)
        allowed = os.path.join(self.tmp.name, "ALLOWED-CHAIR.txt")
        shutil.copy(CHAIR_LIST, allowed)
        args = ["--algo", "vpdq", "--allowlist", allowed]
        p = self.scan(*args, lists=[CHAIR_LIST, self.videos_csv])
        self.assertEqual([(os.path.basename(r["path"]), r["id"])
                          for r in csv.DictReader(io.StringIO(p.stdout))],
                         [("pattern-hd-no-bar.mp4", "PATTERN-HD")])
        p = self.scan(*args, "--report-suppressed", "--json", lists=[CHAIR_LIST, self.videos_csv])
        recs = sorted((os.path.basename(r["path"]), r["id"], r.get("suppressed", False))
                      for r in map(json.loads, p.stdout.splitlines()))
        chair = "chair-19-sd-bar-r1"
        self.assertEqual(recs, sorted(
            [(name, ident, True) for name in ("chair-19-sd-bar.mp4", "chair-reenc.mp4",
                                              "chair-small.mkv", "chair-cut.mp4")
             for ident in (chair, "ALLOWED-CHAIR")] +
            [("pattern-hd-no-bar.mp4", "PATTERN-HD", False)]))

    def test_flood_counts_each_listed_video(self):
        # Flood protection counts a vPDQ match per listed video: the chair
        # video matched by four files floods at a limit of 1 (reported
        # once, then counted), and the pattern video is still reported.
        # (Before, every vPDQ record counted as one signature, hash "": the
        # chair's flood hid the pattern video's match.)
        p = self.scan("--algo", "vpdq", "--flood-limit", "1", "--threads", "1",
                      lists=[CHAIR_LIST, self.videos_csv])
        ids = sorted(r["id"] for r in csv.DictReader(io.StringIO(p.stdout)))
        self.assertEqual(ids, ["PATTERN-HD", "chair-19-sd-bar-r1"])
        self.assertIn("suspected bad signature: vpdq (%s, id chair-19-sd-bar-r1) matched 4 files;"
                      " its matches in the last 3 not printed" % CHAIR_LIST, p.stderr)

    def test_state_answers_videos_from_their_stored_frames(self):
        # A video is stored in the scan state with its frames: the next run
        # answers it from there (not decoded) and matches those frames
        # against the lists of that run, as --rematch does without a scan.
        t = self.tmp.name
        state = os.path.join(t, "state.db")
        copies = []
        for name in ("CHAIR-B", "CHAIR-C"):
            copies.append(os.path.join(t, name + ".txt"))
            shutil.copy(CHAIR_LIST, copies[-1])
        base = ["--state", state, "--algo", "vpdq,pdq"]
        paths = ["chair-19-sd-bar.mp4"]

        def rows_of(p):
            return sorted((r["algo"], r["id"], r["time"], r["query_percent"], r["index_percent"])
                          for r in csv.DictReader(io.StringIO(p.stdout)))
        p = self.scan(*base, lists=[CHAIR_LIST], paths=paths)
        self.assertEqual(rows_of(p), [("vpdq", "chair-19-sd-bar-r1", "0.000-18.000", "100.00",
                                       "100.00")])
        self.assertIn("state: 0 files answered", p.stderr)
        p = self.scan(*base, lists=[CHAIR_LIST, copies[0], self.images_csv], paths=paths)
        self.assertIn("state: 1 files answered", p.stderr)
        self.assertEqual(rows_of(p), [("pdq", "FRAME5", "5.000-5.000", "", ""),
                                      ("vpdq", "CHAIR-B", "0.000-18.000", "100.00", "100.00")])
        p = run([PHASH, "scan", "--rematch", "--state", state, "--algo", "vpdq,pdq",
                 "--signatures", copies[1]])
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(rows_of(p), [("vpdq", "CHAIR-C", "0.000-18.000", "100.00", "100.00")])
        # Other video settings: hashed again.
        p = self.scan(*base, "--seconds-per-hash", "2", lists=[CHAIR_LIST], paths=paths)
        self.assertIn("state: 0 files answered", p.stderr)


if __name__ == "__main__":
    if not os.path.isdir(VIDEOS):
        if os.environ.get("PHASH_REQUIRE_SHARED") == "1":
            sys.exit(f"FAIL: {VIDEOS} is missing")
        print(f"SKIP: {VIDEOS} is missing (test data from shared/)")
        sys.exit(77)
    if not shutil.which("ffmpeg"):
        print("SKIP: the ffmpeg command is missing (apt-get install ffmpeg)")
        sys.exit(77)
    unittest.main()
