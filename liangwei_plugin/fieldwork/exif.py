"""A small EXIF reader for evidence photos (举证照片): position, time and direction.

Pure Python over the JPEG APP1 segment and its TIFF structure (no Pillow feature QGIS installers may
lack).  Reads only what the on-site check needs: GPSLatitude/GPSLongitude (+ refs), GPSAltitude,
GPSImgDirection (+ ref), DateTimeOriginal (or DateTime), GPSDateStamp/GPSTimeStamp, Make/Model.
Malformed data never raises beyond :class:`ExifError`; a JPEG without EXIF gives an empty
:class:`PhotoExif` (``has_exif`` False).
"""
from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from pathlib import Path

# TIFF tag numbers (EXIF 2.3 / TIFF 6.0)
TAG_MAKE, TAG_MODEL, TAG_DATETIME = 0x010F, 0x0110, 0x0132
TAG_EXIF_IFD, TAG_GPS_IFD = 0x8769, 0x8825
TAG_DATETIME_ORIGINAL = 0x9003
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 0x0001, 0x0002, 0x0003, 0x0004
GPS_ALT_REF, GPS_ALT, GPS_TIME = 0x0005, 0x0006, 0x0007
GPS_DIR_REF, GPS_DIR, GPS_DATE = 0x0010, 0x0011, 0x001D

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8, 11: 4, 12: 8}


class ExifError(ValueError):
    """The file is not a readable JPEG (the message names it)."""


@dataclass
class PhotoExif:
    """What an evidence photo says about where, when and in which direction it was taken."""

    has_exif: bool = False
    lat: float | None = None           # degrees, north positive (WGS 84 / CGCS2000)
    lon: float | None = None           # degrees, east positive
    altitude: float | None = None
    direction: float | None = None     # GPSImgDirection, degrees clockwise from north
    direction_ref: str | None = None   # "T" true north, "M" magnetic
    taken: dt.datetime | None = None   # DateTimeOriginal (local camera time, naive)
    gps_time: dt.datetime | None = None  # GPSDateStamp + GPSTimeStamp (UTC)
    camera: str = ""

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None


def _ifd_entries(data: bytes, offset: int, endian: str) -> dict[int, tuple[int, int, bytes]]:
    """{tag: (type, count, raw value bytes)} of the IFD at ``offset`` of the TIFF block ``data``."""
    if offset <= 0 or offset + 2 > len(data):
        return {}
    (n,) = struct.unpack_from(endian + "H", data, offset)
    out = {}
    for i in range(n):
        pos = offset + 2 + 12 * i
        if pos + 12 > len(data):
            break
        tag, typ, count = struct.unpack_from(endian + "HHI", data, pos)
        size = _TYPE_SIZES.get(typ, 1) * count
        if size <= 4:
            raw = data[pos + 8:pos + 8 + size]
        else:
            (value_offset,) = struct.unpack_from(endian + "I", data, pos + 8)
            raw = data[value_offset:value_offset + size]
            if len(raw) < size:
                continue   # points outside the block: skip the tag, keep the others
        out[tag] = (typ, count, raw)
    return out


def _values(entry, endian: str) -> list:
    typ, count, raw = entry
    if typ == 2:
        return [raw.split(b"\0", 1)[0].decode("utf-8", "replace").strip()]
    if typ in (1, 7):
        return list(raw[:count])
    if typ == 3:
        return list(struct.unpack(endian + "H" * count, raw[:2 * count]))
    if typ == 4:
        return list(struct.unpack(endian + "I" * count, raw[:4 * count]))
    if typ in (5, 10):
        fmt = "I" if typ == 5 else "i"
        nums = struct.unpack(endian + fmt * (2 * count), raw[:8 * count])
        return [nums[2 * i] / nums[2 * i + 1] if nums[2 * i + 1] else None for i in range(count)]
    return []


def _text(entries, tag, endian) -> str | None:
    if tag not in entries:
        return None
    vals = _values(entries[tag], endian)
    return str(vals[0]) if vals else None


def _dms(entries, tag, ref_tag, negative_ref: str, endian) -> float | None:
    if tag not in entries:
        return None
    vals = _values(entries[tag], endian)
    if len(vals) < 1 or any(v is None for v in vals):
        return None
    deg = vals[0] + (vals[1] / 60.0 if len(vals) > 1 else 0.0) + (vals[2] / 3600.0 if len(vals) > 2 else 0.0)
    ref = (_text(entries, ref_tag, endian) or "").upper()
    return -deg if ref == negative_ref else deg


def _exif_datetime(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def parse_tiff(block: bytes) -> PhotoExif:
    """The EXIF fields of a TIFF block (the APP1 payload after ``Exif\\0\\0``)."""
    if len(block) < 8 or block[:2] not in (b"II", b"MM"):
        return PhotoExif()
    endian = "<" if block[:2] == b"II" else ">"
    (ifd0,) = struct.unpack_from(endian + "I", block, 4)
    main = _ifd_entries(block, ifd0, endian)
    out = PhotoExif(has_exif=True)
    make, model = _text(main, TAG_MAKE, endian), _text(main, TAG_MODEL, endian)
    out.camera = " ".join(p for p in (make, model) if p)
    taken = None
    if TAG_EXIF_IFD in main:
        exif = _ifd_entries(block, _values(main[TAG_EXIF_IFD], endian)[0], endian)
        taken = _exif_datetime(_text(exif, TAG_DATETIME_ORIGINAL, endian))
    out.taken = taken or _exif_datetime(_text(main, TAG_DATETIME, endian))
    if TAG_GPS_IFD in main:
        gps = _ifd_entries(block, _values(main[TAG_GPS_IFD], endian)[0], endian)
        out.lat = _dms(gps, GPS_LAT, GPS_LAT_REF, "S", endian)
        out.lon = _dms(gps, GPS_LON, GPS_LON_REF, "W", endian)
        if GPS_ALT in gps:
            alt = _values(gps[GPS_ALT], endian)
            below = GPS_ALT_REF in gps and _values(gps[GPS_ALT_REF], endian)[:1] == [1]
            out.altitude = None if not alt or alt[0] is None else (-alt[0] if below else alt[0])
        if GPS_DIR in gps:
            d = _values(gps[GPS_DIR], endian)
            out.direction = None if not d or d[0] is None else float(d[0]) % 360.0
            out.direction_ref = _text(gps, GPS_DIR_REF, endian)
        date = _text(gps, GPS_DATE, endian)
        if date and GPS_TIME in gps:
            hms = _values(gps[GPS_TIME], endian)
            try:
                day = dt.datetime.strptime(date[:10], "%Y:%m:%d")
                secs = hms[0] * 3600 + hms[1] * 60 + hms[2]
                out.gps_time = (day + dt.timedelta(seconds=float(secs))).replace(tzinfo=dt.timezone.utc)
            except (ValueError, TypeError, IndexError):
                out.gps_time = None
    return out


def read_exif(path: str | Path) -> PhotoExif:
    """The EXIF of a JPEG file; raises ExifError when the file is not a JPEG."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            if head != b"\xff\xd8":
                raise ExifError(f"照片 {path.name} 不是 JPEG 文件")
            while True:
                marker = f.read(2)
                if len(marker) < 2 or marker[0] != 0xFF:
                    return PhotoExif()
                if marker[1] in (0xD9, 0xDA):   # end of image / start of scan: no EXIF before the pixels
                    return PhotoExif()
                (length,) = struct.unpack(">H", f.read(2))
                payload = f.read(length - 2)
                if marker[1] == 0xE1 and payload[:6] == b"Exif\0\0":
                    return parse_tiff(payload[6:])
    except (OSError, struct.error) as exc:
        raise ExifError(f"照片 {path.name} 无法读取：{exc}") from exc


def build_exif(lat: float | None = None, lon: float | None = None, taken: dt.datetime | None = None,
               direction: float | None = None, camera: tuple[str, str] = ("", "")) -> bytes:
    """An APP1 EXIF segment (marker included) with the given position, time and direction.

    What a phone camera writes, for tests and for tools that stamp drone photos; little-endian TIFF."""
    e = "<"

    def rational(values):
        return b"".join(struct.pack(e + "II", int(round(v * 10000)), 10000) for v in values)

    def dms(value):
        value = abs(value)
        d = int(value)
        m = int((value - d) * 60)
        s = (value - d - m / 60.0) * 3600
        return rational([d, m, s])

    def ifd(entries: list[tuple[int, int, int, bytes]], start: int) -> tuple[bytes, bytes]:
        """(IFD bytes, data area) for an IFD written at ``start``; entries (tag, type, count, raw)."""
        entries = sorted(entries)
        data_at = start + 2 + 12 * len(entries) + 4
        head, data = struct.pack(e + "H", len(entries)), b""
        for tag, typ, count, raw in entries:
            if len(raw) <= 4:
                head += struct.pack(e + "HHI", tag, typ, count) + raw.ljust(4, b"\0")
            else:
                head += struct.pack(e + "HHII", tag, typ, count, data_at + len(data))
                data += raw + (b"\0" if len(raw) % 2 else b"")
        return head + struct.pack(e + "I", 0), data

    def ascii_(text: str) -> tuple[int, bytes]:
        raw = text.encode("ascii") + b"\0"
        return len(raw), raw

    gps: list[tuple[int, int, int, bytes]] = [(0x0000, 1, 4, bytes([2, 3, 0, 0]))]
    if lat is not None and lon is not None:
        gps += [(GPS_LAT_REF, 2, 2, b"N\0" if lat >= 0 else b"S\0"), (GPS_LAT, 5, 3, dms(lat)),
                (GPS_LON_REF, 2, 2, b"E\0" if lon >= 0 else b"W\0"), (GPS_LON, 5, 3, dms(lon))]
    if direction is not None:
        gps += [(GPS_DIR_REF, 2, 2, b"T\0"), (GPS_DIR, 5, 1, rational([direction]))]
    exif: list[tuple[int, int, int, bytes]] = []
    main: list[tuple[int, int, int, bytes]] = []
    if taken is not None:
        n, raw = ascii_(taken.strftime("%Y:%m:%d %H:%M:%S"))
        exif.append((TAG_DATETIME_ORIGINAL, 2, n, raw))
        main.append((TAG_DATETIME, 2, n, raw))
    for tag, text in ((TAG_MAKE, camera[0]), (TAG_MODEL, camera[1])):
        if text:
            n, raw = ascii_(text)
            main.append((tag, 2, n, raw))
    # layout: header(8) | IFD0 | data0 | EXIF IFD | data | GPS IFD | data
    n_main = len(main) + 2
    ifd0_size = 2 + 12 * n_main + 4
    # first pass to learn sizes
    _, data0 = ifd(main + [(TAG_EXIF_IFD, 4, 1, b"\0" * 4), (TAG_GPS_IFD, 4, 1, b"\0" * 4)], 8)
    exif_at = 8 + ifd0_size + len(data0)
    exif_ifd, exif_data = ifd(exif, exif_at)
    gps_at = exif_at + len(exif_ifd) + len(exif_data)
    ifd0, data0 = ifd(main + [(TAG_EXIF_IFD, 4, 1, struct.pack(e + "I", exif_at)),
                              (TAG_GPS_IFD, 4, 1, struct.pack(e + "I", gps_at))], 8)
    gps_ifd, gps_data = ifd(gps, gps_at)
    tiff = b"II*\0" + struct.pack(e + "I", 8) + ifd0 + data0 + exif_ifd + exif_data + gps_ifd + gps_data
    payload = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def insert_exif(jpeg: bytes, segment: bytes) -> bytes:
    """``jpeg`` with the APP1 ``segment`` right after SOI (any APP1 EXIF already there is dropped)."""
    if jpeg[:2] != b"\xff\xd8":
        raise ExifError("不是 JPEG 数据")
    pos, kept = 2, b""
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF and jpeg[pos + 1] in range(0xE0, 0xF0):
        (length,) = struct.unpack_from(">H", jpeg, pos + 2)
        part = jpeg[pos:pos + 2 + length]
        if not (jpeg[pos + 1] == 0xE1 and part[4:10] == b"Exif\0\0"):
            kept += part
        pos += 2 + length
    return b"\xff\xd8" + segment + kept + jpeg[pos:]
