"""Small generated imagery epochs for the change-detection tests: a 600 m × 600 m scene at 2 m of farmland
parcels (100 m × 100 m, textured), a forest parcel and a village plot, written as GeoTIFFs (EPSG:4527)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

EPSG = 4527
X0, Y1 = 39_500_000.0, 2_745_000.0
PIXEL = 2.0
SIZE = 300                     # pixels
PARCEL = 50                    # pixels (100 m)


def parcels() -> list[tuple[object, str]]:
    """(polygon, DLBM) of the 6 × 6 parcels: farmland (0103/0101), one forest (0301), one homestead (0702)."""
    out = []
    for i in range(SIZE // PARCEL):
        for j in range(SIZE // PARCEL):
            x0, y1 = X0 + j * PARCEL * PIXEL, Y1 - i * PARCEL * PIXEL
            code = "0301" if (i, j) == (0, 0) else "0702" if (i, j) == (5, 5) else ("0103" if (i + j) % 2 else "0101")
            out.append((shapely.box(x0, y1 - PARCEL * PIXEL, x0 + PARCEL * PIXEL, y1), code))
    return out


def base_scene(seed: int = 7) -> np.ndarray:
    """The BEFORE scene, float32 (3, SIZE, SIZE)."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    img = np.zeros((3, SIZE, SIZE), np.float32)
    looks = {"0101": (92, 128, 78), "0103": (150, 138, 98), "0301": (46, 74, 42), "0702": (124, 114, 100)}
    for k, (_g, code) in enumerate(parcels()):
        i, j = divmod(k, SIZE // PARCEL)
        tone = rng.normal(0, 10, 3)
        for b in range(3):
            img[b, i * PARCEL:(i + 1) * PARCEL, j * PARCEL:(j + 1) * PARCEL] = looks[code][b] + tone[b]
    # texture: field rows and crop patches, identical in all bands up to the colour
    tex = ndimage.gaussian_filter(rng.normal(0, 1, (SIZE, SIZE)), 1.2) * 18
    rows = np.sin(np.arange(SIZE) * 2 * np.pi / 6.0)[None, :] * 6
    img += (tex + rows)[None].astype(np.float32)
    # ridges between parcels
    for k in range(0, SIZE, PARCEL):
        img[:, k, :] += 25
        img[:, :, k] += 25
    return img


def add_building(img: np.ndarray, row: int, col: int, size_px: int = 10) -> np.ndarray:
    """A concrete roof of size_px × size_px pixels with its 2-pixel shadow to the north-west."""
    out = img.copy()
    roof = np.zeros(img.shape[1:], bool)
    roof[row:row + size_px, col:col + size_px] = True
    shadow = np.zeros_like(roof)
    shadow[:-2, :-2] = roof[2:, 2:]
    shadow &= ~roof
    out[:, shadow] *= 0.55
    for b, v in enumerate((198, 198, 192)):
        out[b, roof] = v + np.random.default_rng(1).normal(0, 4, roof.sum())
    return out


def harvest(img: np.ndarray, i: int, j: int, seed: int = 3) -> np.ndarray:
    """Parcel (i, j) harvested: bare brown stubble with a new texture over the whole parcel."""
    rng = np.random.default_rng(seed)
    out = img.copy()
    sl = (slice(i * PARCEL + 1, (i + 1) * PARCEL), slice(j * PARCEL + 1, (j + 1) * PARCEL))
    n = (PARCEL - 1) ** 2
    for b, v in enumerate((176, 132, 92)):
        out[b][sl] = v + rng.normal(0, 5, n).reshape(PARCEL - 1, PARCEL - 1)
    return out


def relook(img: np.ndarray, shift_px: float = 0.0, gain: float = 1.0, offset: float = 0.0, noise: float = 0.0,
           seed: int = 11) -> np.ndarray:
    """Another sensor's view: moved by ``shift_px`` pixels east, gain/offset, sensor noise."""
    from scipy import ndimage

    out = ndimage.shift(img, (0, 0, shift_px), order=1, mode="nearest") if shift_px else img.copy()
    out = out * gain + offset
    if noise:
        out = out + np.random.default_rng(seed).normal(0, noise, out.shape)
    return out


def write_epoch(path: Path, img: np.ndarray, x0: float = X0, y1: float = Y1, pixel: float = PIXEL) -> Path:
    from osgeo import gdal, osr

    gdal.UseExceptions()
    arr = np.clip(np.round(img), 1, 255).astype(np.uint8)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), arr.shape[2], arr.shape[1], 3, gdal.GDT_Byte,
                                              options=["TILED=YES"])
    ds.SetGeoTransform((x0, pixel, 0.0, y1, 0.0, -pixel))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    ds.SetProjection(srs.ExportToWkt())
    for b in range(3):
        ds.GetRasterBand(b + 1).WriteArray(arr[b])
        ds.GetRasterBand(b + 1).SetColorInterpretation((gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand)[b])
    ds = None
    return path


def landuse_frame():
    import geopandas as gpd

    ps = parcels()
    return gpd.GeoDataFrame({"DLBM": [c for _g, c in ps],
                             "ZLDWDM": ["350627100001000"] * len(ps), "ZLDWMC": ["东山村"] * len(ps)},
                            geometry=[g for g, _c in ps], crs=f"EPSG:{EPSG}")


def pixel_box(row: int, col: int, h: int, w: int):
    """The ground polygon of a block of pixels."""
    x0, y1 = X0 + col * PIXEL, Y1 - row * PIXEL
    return shapely.box(x0, y1 - h * PIXEL, x0 + w * PIXEL, y1)
