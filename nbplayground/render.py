"""Turn the engine's plain arrays into the pictures the widget shows.

Everything here is NumPy plus the standard library (``zlib``, ``struct``). A picture
leaves this module as PNG bytes, which the UI can put in an ``ipywidgets.Image``, a bqplot
``Image`` mark or a CSS ``url(data:...)`` (see :func:`png_data_url`). Images are encoded at
data resolution (100x100 heatmap, 10x10 thumbnails). The browser scales them up with
``image-rendering: pixelated``.

Colours (Playground's ``heatmap.ts`` and ``playground.ts``, docs/playground.md §8.1):

* Three anchors: orange ``#f59322`` at -1, grey ``#e8eaeb`` at 0, blue ``#0877bd`` at +1.
  Negative values are orange, positive values are blue.
* **Continuous scale** (links, bias squares, dataset-picker thumbnails). This is d3 v3's
  clamped polylinear scale. For v in [-1, 0] with t = v + 1, and for v in [0, 1] with t = v,
  each channel is ``Math.round(a + (b - a) * t)``, where a and b are the two anchors' channels.
  ``Math.round`` rounds halves up (see :func:`color_for`).
* **Quantized palette** (heatmaps, thumbnails). The continuous ramp sampled at s = 0, 1/30, ..., 1
  (31 colours, :data:`QUANTIZED`). A value v goes to bucket
  ``clamp(floor(15.5 * (v + 1)), 0, 30)``, which is the same as floor(31 (v + 1) / 2).
  NaN goes to the reserved index :data:`NAN_INDEX` = 31, which draws black.
* Heatmap pixels have alpha 160/255 (:data:`HEATMAP_ALPHA`). By default the colours are
  pre-blended into opaque colours over a background:
  ``out = round((c * 160 + bg * 95) / 255)``. Playground draws the big heatmap over its page
  colour ``#f7f7f7`` (:data:`PAGE_BACKGROUND`) and the node thumbnails over white. Both were
  measured in the reference screenshot ``playground-default-circle.png``. Because the colours are
  opaque, the picture looks the same on a dark notebook theme. Pass ``alpha=True`` to get a
  translucent PNG instead: a ``tRNS`` chunk gives every palette entry alpha 160.

Orientation: the engine's grids have row 0 at y = +6, so every image here has y pointing up.
The dataset-picker thumbnails are also drawn with y up. Playground draws those upside down.

Nothing here keeps a growing global cache. The module-level constants are fixed-size tables
that are computed once at import.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ORANGE",
    "GREY",
    "BLUE",
    "ANCHOR_RGB",
    "HEATMAP_ALPHA",
    "N_BUCKETS",
    "NAN_INDEX",
    "NAN_RGB",
    "WHITE",
    "PAGE_BACKGROUND",
    "QUANTIZED",
    "QUANTIZED_HEX",
    "CATEGORICAL",
    "CATEGORICAL_HEX",
    "MAX_CLASSES",
    "ramp_rgb",
    "color_for",
    "hex_color",
    "bucket_index",
    "discretized",
    "blend_over",
    "heatmap_palette",
    "heatmap_indices",
    "heatmap_png",
    "IndexedImage",
    "class_palette",
    "class_heatmap",
    "class_heatmap_png",
    "encode_png_indexed",
    "encode_png_rgba",
    "png_data_url",
    "block_average",
    "block_averages",
    "dataset_thumbnail_png",
    "link_width",
    "COLOR_CODE_MAX",
    "color_codes",
    "color_of_code",
    "THUMBNAIL_OPACITY_FADED",
    "ATLAS_FADED",
    "ATLAS_EMPTY",
    "ATLAS_PALETTE",
    "ATLAS_ALPHA",
    "atlas_indices",
]

# ---------------------------------------------------------------------------------------
# Colour constants
# ---------------------------------------------------------------------------------------

ORANGE = "#f59322"
"""Colour of -1 (negative values, class 0 / label -1)."""
GREY = "#e8eaeb"
"""Colour of 0."""
BLUE = "#0877bd"
"""Colour of +1 (positive values, class 1 / label +1)."""

HEATMAP_ALPHA = 160
"""Alpha (out of 255) of every heatmap and thumbnail pixel in Playground."""
N_BUCKETS = 31
"""Number of colours in the quantized palette (indices 0..30)."""
NAN_INDEX = 31
"""Palette index reserved for NaN cells. It draws black at the heatmap alpha."""
NAN_RGB = (0, 0, 0)
"""Colour of NaN: black, as Playground shows a diverged network."""
WHITE = (255, 255, 255)
"""Background of Playground's node thumbnails and dataset thumbnails."""
PAGE_BACKGROUND = (247, 247, 247)
"""Playground's page colour ``#f7f7f7``. The big heatmap is drawn over it."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _parse_hex(text: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` -> (r, g, b)."""
    return (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))


def hex_color(rgb) -> str:
    """(r, g, b) with channels 0..255 -> ``"#rrggbb"`` (lower case)."""
    r, g, b = (int(c) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


ANCHOR_RGB = np.array([_parse_hex(ORANGE), _parse_hex(GREY), _parse_hex(BLUE)], dtype=np.uint8)
ANCHOR_RGB.setflags(write=False)


def _js_round(x: np.ndarray) -> np.ndarray:
    """JavaScript ``Math.round``: the nearest integer, with halves rounded up (toward +inf).

    Python's ``round`` and ``np.round`` round halves to even, so 176.5 would become 176.
    d3 gives 177. NaN stays NaN.
    """
    floor = np.floor(x)
    return floor + (x - floor >= 0.5)


def _interpolate(a_rgb: np.ndarray, b_rgb: np.ndarray, t: np.ndarray) -> np.ndarray:
    """d3 v3 ``interpolateRgb``: per channel ``Math.round(a + (b - a) * t)``.

    ``a_rgb`` and ``b_rgb`` broadcast against ``t[..., None]``. The result is float, and NaN
    where t is NaN.
    """
    a = np.asarray(a_rgb, dtype=np.float64)
    b = np.asarray(b_rgb, dtype=np.float64)
    return _js_round(a + (b - a) * np.asarray(t, dtype=np.float64)[..., None])


def _ramp_float(values: np.ndarray) -> np.ndarray:
    """The clamped polylinear scale over [-1, 0, 1], as float channels (NaN where v is NaN).

    As in d3, the segment is chosen by bisect-right: v < 0 uses orange->grey with t = v + 1,
    and v >= 0 uses grey->blue with t = v. t is clamped to [0, 1].
    """
    v = np.asarray(values, dtype=np.float64)
    negative = v < 0
    t = np.clip(np.where(negative, v + 1.0, v), 0.0, 1.0)
    lo = np.where(negative[..., None], ANCHOR_RGB[0], ANCHOR_RGB[1])
    hi = np.where(negative[..., None], ANCHOR_RGB[1], ANCHOR_RGB[2])
    return _interpolate(lo, hi, t)


def ramp_rgb(values) -> np.ndarray:
    """Continuous colour of each value: a uint8 array of shape ``values.shape + (3,)``.

    This is Playground's ``colorScale``: d3 ``scale.linear().domain([-1, 0, 1])`` with the three
    anchors, clamped. Values outside [-1, 1] take the end colours. NaN is black (:data:`NAN_RGB`).
    In Playground a NaN gives an invalid colour string, and nothing is drawn.
    """
    v = _as_real_array("values", values)
    out = _ramp_float(v)
    out[np.isnan(v)] = NAN_RGB
    return out.astype(np.uint8)


def color_for(value) -> str:
    """Continuous colour of one value as ``"#rrggbb"``, for links and bias squares.

    Examples: ``color_for(-1) == "#f59322"``, ``color_for(0) == "#e8eaeb"``,
    ``color_for(0.5) == "#78b1d4"`` (the green channel 176.5 rounds up to 177, as in d3).
    NaN gives black, ``"#000000"``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"value must be a real number; got {value!r} of type {type(value).__name__}")
    return hex_color(ramp_rgb(float(value)))


def _build_quantized() -> np.ndarray:
    """The 31-colour palette: the ramp sampled at s = i/30, i = 0..30.

    Playground samples a d3 scale over the domain [0, .5, 1] at ``d3.range(0, 1 + 1e-9, 1/30)``.
    Sample s in [0, 1] is the value v = 2s - 1 of the [-1, 1] ramp: segment 0 has t = 2s and
    segment 1 has t = 2s - 1. d3's range values differ from i/30 by at most one ulp, and no
    channel lies near a rounding tie (the test checks this with exact fractions), so i/30 gives
    the same colours.
    """
    s = np.arange(N_BUCKETS, dtype=np.float64) / (N_BUCKETS - 1)
    first = s < 0.5
    t = np.clip(np.where(first, s / 0.5, (s - 0.5) / 0.5), 0.0, 1.0)
    lo = np.where(first[:, None], ANCHOR_RGB[0], ANCHOR_RGB[1])
    hi = np.where(first[:, None], ANCHOR_RGB[1], ANCHOR_RGB[2])
    return _interpolate(lo, hi, t).astype(np.uint8)


QUANTIZED = _build_quantized()
"""(31, 3) uint8: the quantized heatmap palette, orange (index 0) to grey (15) to blue (30)."""
QUANTIZED.setflags(write=False)
QUANTIZED_HEX = tuple(hex_color(c) for c in QUANTIZED)
"""The 31 quantized colours as ``"#rrggbb"`` strings (for the legend and data-point fills)."""


def bucket_index(values) -> np.ndarray:
    """Quantized palette index of each value: a uint8 array of the same shape.

    ``index = clamp(floor(15.5 * (v + 1)), 0, 30)``. This is d3 ``scale.quantize`` over [-1, 1]
    with 31 colours: kx = 31 / 2, ``floor(kx * (v - x0))``, evaluated in float64 like JavaScript.
    Infinities clamp to 0 or 30. NaN gives :data:`NAN_INDEX` (31).
    """
    v = _as_real_array("values", values)
    scaled = np.floor(15.5 * (v + 1.0))
    np.clip(scaled, 0, N_BUCKETS - 1, out=scaled)
    nan = np.isnan(scaled)
    if nan.any():
        scaled[nan] = NAN_INDEX
    return scaled.astype(np.uint8)


def discretized(values) -> np.ndarray:
    """Playground's "Discretize output" display: +1 where v >= 0, else -1 (float64).

    NaN stays NaN, so a diverged network still shows black. Playground's ``v >= 0 ? 1 : -1``
    turns NaN into -1 (orange), which hides the divergence.
    """
    v = _as_real_array("values", values)
    out = np.where(v >= 0, 1.0, -1.0)
    out[np.isnan(v)] = np.nan
    return out


def _as_rgb(name: str, color) -> np.ndarray:
    """Accept ``"#rrggbb"`` or an (r, g, b) triple of 0..255 integers and return it as float64 (3,)."""
    if isinstance(color, str):
        text = color.strip()
        if len(text) == 7 and text[0] == "#":
            try:
                return np.array(_parse_hex(text), dtype=np.float64)
            except ValueError:
                pass
        raise ValueError(f"{name} must be '#rrggbb' or an (r, g, b) triple of 0..255; got {color!r}")
    try:
        arr = np.asarray(color)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be '#rrggbb' or an (r, g, b) triple; got {color!r}") from exc
    if arr.dtype.kind not in "iuf" or arr.shape != (3,):
        raise ValueError(f"{name} must be '#rrggbb' or an (r, g, b) triple of 0..255; got {color!r}")
    if not np.all((arr >= 0) & (arr <= 255)):
        raise ValueError(f"{name} channels must lie in 0..255; got {color!r}")
    return arr.astype(np.float64)


def blend_over(rgb, alpha: int, background) -> np.ndarray:
    """Composite colours with opacity ``alpha``/255 over an opaque background.

    ``out = round((c * alpha + bg * (255 - alpha)) / 255)`` per channel. Returns uint8 with the
    shape of ``rgb``. With alpha 160 this matches Playground's screenshot pixels exactly.
    """
    c = np.asarray(rgb, dtype=np.float64)
    bg = _as_rgb("background", background)
    a = float(alpha)
    return _js_round((c * a + bg * (255.0 - a)) / 255.0).astype(np.uint8)


def heatmap_palette(alpha: bool = False, background=PAGE_BACKGROUND):
    """The 32-entry palette of heatmaps: the 31 quantized colours, then NaN (black).

    Returns ``(palette (32, 3) uint8, trns (32,) uint8 or None)``.

    * ``alpha=True``: the raw colours, and every entry has alpha :data:`HEATMAP_ALPHA`.
    * ``alpha=False``: the colours pre-blended at alpha 160 over ``background``, opaque (no tRNS).
    """
    raw = np.vstack([QUANTIZED, np.array([NAN_RGB], dtype=np.uint8)])
    if alpha:
        return raw, np.full(len(raw), HEATMAP_ALPHA, dtype=np.uint8)
    return blend_over(raw, HEATMAP_ALPHA, background), None


# ---------------------------------------------------------------------------------------
# Input checking
# ---------------------------------------------------------------------------------------


def _as_real_array(name: str, values, ndim: int | None = None) -> np.ndarray:
    """``values`` as a float64 array, checked to be real-valued (and to have ``ndim`` dims)."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array; got a {type(values).__name__}: {values!r:.60}")
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers (int or float); got dtype {arr.dtype}")
    if ndim is not None:
        if arr.ndim != ndim:
            raise ValueError(f"{name} must be a {ndim}-D array; got shape {arr.shape}")
        if arr.size == 0:
            raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    return arr.astype(np.float64, copy=False)


# ---------------------------------------------------------------------------------------
# PNG encoding
# ---------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 of type + data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def _check_level(level) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or not 0 <= level <= 9:
        raise ValueError(f"level must be an integer zlib level 0..9; got {level!r}")
    return int(level)


def _png(width: int, height: int, color_type: int, rows: np.ndarray, extra: bytes, level: int) -> bytes:
    """Assemble a PNG. ``rows`` is (height, row_bytes) uint8 and is stored with filter 0 (None)."""
    filtered = np.empty((height, rows.shape[1] + 1), dtype=np.uint8)
    filtered[:, 0] = 0
    filtered[:, 1:] = rows
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", ihdr),
            extra,
            _chunk(b"IDAT", zlib.compress(filtered.tobytes(), level)),
            _chunk(b"IEND", b""),
        )
    )


def _as_byte_array(name: str, values, shape_hint: str) -> np.ndarray:
    """An integer array with every entry in 0..255, returned as uint8."""
    arr = np.asarray(values)
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array {shape_hint} with values 0..255; got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise ValueError(
            f"{name} values must lie in 0..255; got range [{arr.min()}, {arr.max()}]"
        )
    return arr.astype(np.uint8)


def encode_png_indexed(indices, palette, alpha=None, *, level: int = 6) -> bytes:
    """Encode an 8-bit indexed-colour PNG (colour type 3).

    Parameters
    ----------
    indices : (H, W) integer array
        Palette index of each pixel. Row 0 is the top of the picture.
    palette : (P, 3) integer array, 1 <= P <= 256
        RGB of each index (becomes the PLTE chunk). Every index must be < P.
    alpha : (A,) integer array with A <= P, or None
        Opacity of the first A palette entries (becomes the tRNS chunk). Entries past A are
        opaque. None writes no tRNS.
    level : int
        zlib compression level, 0..9.

    Every scanline uses filter type 0 (None).
    """
    idx = _as_byte_array("indices", indices, "(H, W)")
    if idx.ndim != 2 or idx.shape[0] == 0 or idx.shape[1] == 0:
        raise ValueError(f"indices must be a non-empty 2-D (H, W) array; got shape {idx.shape}")
    pal = _as_byte_array("palette", palette, "(P, 3)")
    if pal.ndim != 2 or pal.shape[1] != 3 or not 1 <= pal.shape[0] <= 256:
        raise ValueError(f"palette must have shape (P, 3) with 1 <= P <= 256; got shape {pal.shape}")
    n_colors = pal.shape[0]
    top = int(idx.max())
    if top >= n_colors:
        raise ValueError(f"indices must be < palette size {n_colors}; got an index {top}")
    extra = _chunk(b"PLTE", np.ascontiguousarray(pal).tobytes())
    if alpha is not None:
        trns = _as_byte_array("alpha", alpha, "(A,)")
        if trns.ndim != 1 or not 1 <= trns.shape[0] <= n_colors:
            raise ValueError(
                f"alpha must be 1-D with 1..{n_colors} entries (one per palette entry); got shape {trns.shape}"
            )
        extra += _chunk(b"tRNS", trns.tobytes())
    level = _check_level(level)
    return _png(idx.shape[1], idx.shape[0], 3, idx, extra, level)


def encode_png_rgba(rgba, *, level: int = 6) -> bytes:
    """Encode an 8-bit RGBA PNG (colour type 6) from an (H, W, 4) array of 0..255 integers."""
    arr = _as_byte_array("rgba", rgba, "(H, W, 4)")
    if arr.ndim != 3 or arr.shape[2] != 4 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"rgba must have shape (H, W, 4) with H, W >= 1; got shape {arr.shape}")
    level = _check_level(level)
    height, width = arr.shape[:2]
    return _png(width, height, 6, arr.reshape(height, width * 4), b"", level)


def png_data_url(png: bytes) -> str:
    """``data:image/png;base64,...``, for CSS ``background-image`` or an ``<img src>``."""
    if not isinstance(png, (bytes, bytearray, memoryview)):
        raise TypeError(f"png must be bytes; got {type(png).__name__}")
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")


# ---------------------------------------------------------------------------------------
# Heatmaps
# ---------------------------------------------------------------------------------------


def heatmap_indices(values, discretize: bool = False) -> np.ndarray:
    """Palette indices (uint8, same shape) of a 2-D value grid, after the optional discretize."""
    v = _as_real_array("values", values, ndim=2)
    if discretize:
        v = discretized(v)
    return bucket_index(v)


def heatmap_png(values, discretize: bool = False, *, alpha: bool = False, background=PAGE_BACKGROUND) -> bytes:
    """The decision heatmap as an indexed PNG (one pixel per grid point, 32-colour palette).

    ``values`` is the (H, W) grid with row 0 at the top (y = +6) and column 0 at x = -6, the
    order the engine delivers. ``discretize`` shows sign(v) as +1/-1 (v = 0 counts as +1).
    ``alpha`` and ``background`` are described in :func:`heatmap_palette`.
    The default is opaque colours blended over Playground's page colour ``#f7f7f7``.
    """
    palette, trns = heatmap_palette(alpha, background)
    return encode_png_indexed(heatmap_indices(values, discretize), palette, trns)


# ---------------------------------------------------------------------------------------
# Step inside: one mini-batch's numbers drawn on the network
# ---------------------------------------------------------------------------------------


def value_limit(*arrays) -> float:
    """The largest finite ``|value|`` in ``arrays`` (each array-like or a list of them);
    1.0 when there is none or it is 0.

    Step inside draws gradients and updates relative to this: the largest of a stage is
    drawn at full colour and width (:func:`relative`, :func:`relative_widths`).
    """
    limit = 0.0
    stack = list(arrays)
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        v = np.abs(np.asarray(item, dtype=np.float64))
        v = v[np.isfinite(v)]
        if v.size:
            limit = max(limit, float(v.max()))
    return limit if limit > 0 else 1.0


def relative(values, limit: float) -> np.ndarray:
    """``values / limit`` clipped to [-1, 1] (NaN stays NaN): a value on the colour scale
    of :func:`ramp_rgb`, the largest magnitude (``limit``) at full orange or blue."""
    limit = float(limit)
    if not (math.isfinite(limit) and limit > 0):
        raise ValueError(f"limit must be a finite number > 0; got {limit!r}")
    return np.clip(np.asarray(values, dtype=np.float64) / limit, -1.0, 1.0)


def relative_widths(values, limit: float) -> np.ndarray:
    """Stroke widths ``1 + 9 |v| / limit`` px (1..10, NaN -> 1): Playground's link widths
    (:func:`link_width`) with ``limit`` drawn as wide as a weight of 5."""
    u = np.abs(relative(values, limit))
    out = 1.0 + 9.0 * u
    out[np.isnan(u)] = 1.0
    return out


def weighted_inputs(weights, inputs) -> list:
    """What each link carries into its destination for one point: ``w[j, k] * x[k]``.

    ``weights``: per layer the (n_out, n_in) matrix; ``inputs``: per layer the (n_in,)
    values of its source nodes (the features, then each layer's activations).  Returns
    per layer an (n_out, n_in) array; the destination's pre-activation is its row's sum
    plus the bias.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"got {len(weights)} weight layers and {len(inputs)} input vectors")
    out = []
    for w, x in zip(weights, inputs):
        w = np.asarray(w, dtype=np.float64)
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        if w.ndim != 2 or w.shape[1] != x.size:
            raise ValueError(f"weights of shape {w.shape} do not take {x.size} inputs")
        out.append(w * x[None, :])
    return out


def text_colors(units) -> list:
    """``"#000000"`` or ``"#ffffff"``, whichever reads better on the continuous colour
    (:func:`ramp_rgb`) of each value: white on dark fills (relative luminance < 0.35)."""
    rgb = ramp_rgb(np.nan_to_num(np.asarray(units, dtype=np.float64).reshape(-1))) / 255.0
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = lin @ np.array([0.2126, 0.7152, 0.0722])
    return ["#ffffff" if v < 0.35 else "#000000" for v in luminance]


def nearest_point(points, x: float, y: float) -> int:
    """Row of the point of ``points`` (n, 2) nearest to (x, y) (the first of equals)."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if not len(p):
        raise ValueError("nearest_point: there are no points to pick from")
    return int(np.argmin((p[:, 0] - float(x)) ** 2 + (p[:, 1] - float(y)) ** 2))


__all__ += ["value_limit", "relative", "relative_widths", "weighted_inputs", "text_colors",
            "nearest_point"]


# ---------------------------------------------------------------------------------------
# Multi-class heatmaps
# ---------------------------------------------------------------------------------------

CATEGORICAL_HEX = (
    ORANGE,  # class 0: Playground's negative colour
    BLUE,  # class 1: Playground's positive colour
    "#2ca02c",  # green
    "#9467bd",  # purple
    "#d62728",  # red
    "#17becf",  # cyan
    "#e377c2",  # pink
    "#8c564b",  # brown
)
"""Class colours for multi-class problems. Classes 0 and 1 use Playground's orange and blue."""
CATEGORICAL = np.array([_parse_hex(c) for c in CATEGORICAL_HEX], dtype=np.uint8)
CATEGORICAL.setflags(write=False)
MAX_CLASSES = len(CATEGORICAL_HEX)


@dataclass(frozen=True)
class IndexedImage:
    """A palette image: ``indices`` (H, W) uint8, ``palette`` (P, 3) uint8, ``alpha`` (P,) uint8 or None."""

    indices: np.ndarray
    palette: np.ndarray
    alpha: np.ndarray | None = None

    def to_png(self, level: int = 6) -> bytes:
        """Encode with :func:`encode_png_indexed`."""
        return encode_png_indexed(self.indices, self.palette, self.alpha, level=level)

    def to_rgb(self) -> np.ndarray:
        """(H, W, 3) uint8 colours, ignoring alpha (handy in tests and notebooks)."""
        return self.palette[self.indices]


def _check_int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer in {lo}..{hi}; got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in {lo}..{hi}; got {value}")
    return int(value)


def class_palette(n_classes: int, levels: int = 16, *, alpha: bool = False, background=PAGE_BACKGROUND):
    """Palette of :func:`class_heatmap`: ``n_classes * levels`` blends, then NaN (black).

    Entry ``k * levels + l`` is class k's colour at confidence level l:
    ``round(grey + (class_k - grey) * l / (levels - 1))`` per channel. Level 0 is grey and level
    ``levels - 1`` is the full class colour. The last entry (index ``n_classes * levels``) is NaN.
    Returns ``(palette (P, 3) uint8, trns (P,) uint8 or None)``. The blending and alpha work as in
    :func:`heatmap_palette`.
    """
    k = _check_int("n_classes", n_classes, 2, MAX_CLASSES)
    n_levels = _check_int("levels", levels, 2, 31)
    t = np.arange(n_levels, dtype=np.float64) / (n_levels - 1)
    grey = ANCHOR_RGB[1].astype(np.float64)
    classes = CATEGORICAL[:k].astype(np.float64)
    ramp = _interpolate(grey[None, None, :], classes[:, None, :], t[None, :])  # (k, levels, 3)
    raw = np.vstack([ramp.reshape(k * n_levels, 3), np.array([NAN_RGB], dtype=np.float64)]).astype(np.uint8)
    if alpha:
        return raw, np.full(len(raw), HEATMAP_ALPHA, dtype=np.uint8)
    return blend_over(raw, HEATMAP_ALPHA, background), None


def class_heatmap(
    probabilities, levels: int = 16, *, alpha: bool = False, background=PAGE_BACKGROUND
) -> IndexedImage:
    """Multi-class decision map: each pixel shows its most likely class, faded by uncertainty.

    ``probabilities`` is (K, H, W) with 2 <= K <= 8 (class probabilities per grid point, row 0
    at the top). For each pixel:

    * class ``k = argmax_j p_j`` (ties go to the lowest class),
    * confidence ``c = (p_k - 1/K) / (1 - 1/K)``, clamped to [0, 1]. It is 0 when all classes are
      equally likely and 1 when one class is certain,
    * level ``l = min(floor(levels * c), levels - 1)``, index ``k * levels + l``.

    A pixel with any NaN probability gets the NaN entry (black). The palette is
    :func:`class_palette`, with at most 8 * 16 + 1 = 129 entries by default.
    """
    p = _as_real_array("probabilities", probabilities, ndim=3)
    k = p.shape[0]
    if not 2 <= k <= MAX_CLASSES:
        raise ValueError(f"probabilities must have 2..{MAX_CLASSES} classes on axis 0; got shape {p.shape}")
    palette, trns = class_palette(k, levels, alpha=alpha, background=background)
    nan = np.isnan(p).any(axis=0)
    safe = np.where(np.isnan(p), -np.inf, p)
    winner = np.argmax(safe, axis=0)
    top = np.take_along_axis(safe, winner[None], axis=0)[0]
    confidence = np.clip((top - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    level = np.minimum(np.floor(levels * confidence), levels - 1).astype(np.int64)
    idx = winner * levels + level
    idx[nan] = k * levels
    return IndexedImage(idx.astype(np.uint8), palette, trns)


def class_heatmap_png(probabilities, levels: int = 16, *, alpha: bool = False, background=PAGE_BACKGROUND) -> bytes:
    """:func:`class_heatmap` encoded as an indexed PNG."""
    return class_heatmap(probabilities, levels, alpha=alpha, background=background).to_png()


# ---------------------------------------------------------------------------------------
# Thumbnails
# ---------------------------------------------------------------------------------------


def _block_sum_mean(grids: np.ndarray, block: int) -> np.ndarray:
    """Block means over the last two axes, summed in Playground's order.

    ``reduceMatrix`` adds ``m[i + k][j + l]`` for k = 0..b-1 (outer) and l = 0..b-1 (inner),
    starting from 0, and then divides by b*b. This loop adds whole strided slices in that same
    order, so every block mean is bit-identical to Playground's. The loop runs b*b times (100
    for b = 10), and each step is vectorised over all blocks and all nodes.
    """
    h, w = grids.shape[-2:]
    acc = np.zeros(grids.shape[:-2] + (h // block, w // block), dtype=np.float64)
    for k in range(block):
        for l in range(block):
            acc += grids[..., k::block, l::block]
    acc /= block * block
    return acc


def _check_block(block, h: int, w: int, name: str) -> int:
    b = _check_int("block", block, 1, max(h, w))
    if h % b or w % b:
        raise ValueError(f"block must divide the {name} height and width; got block={b} for shape ({h}, {w})")
    return b


def block_average(values, block: int = 10) -> np.ndarray:
    """Mean of each ``block`` x ``block`` tile: (H, W) -> (H/block, W/block), float64.

    This is Playground's ``reduceMatrix``, which turns a node's 100x100 grid into its 10x10 thumbnail.
    H and W must be multiples of ``block``. A NaN in a tile makes that tile NaN.
    """
    v = _as_real_array("values", values, ndim=2)
    b = _check_block(block, *v.shape, name="values")
    return _block_sum_mean(v, b)


# ---------------------------------------------------------------------------------------
# Dataset-picker thumbnails
# ---------------------------------------------------------------------------------------

_PROBLEMS = ("classification", "regression", "multiclass")


def dataset_thumbnail_png(
    xy,
    labels,
    size: int = 100,
    *,
    problem: str = "classification",
    point_size: int = 4,
    background=WHITE,
) -> bytes:
    """A scatter thumbnail of a dataset (for the dataset picker), as an RGBA PNG.

    Each point is a ``point_size`` x ``point_size`` square (4x4 px, as in Playground) on a
    ``size`` x ``size`` canvas. The view [-6, 6] maps to [0, size] on both axes, and **y points up**:
    ``px = size * (x + 6) / 12`` and ``py = size * (6 - y) / 12`` (the row, counted from the top).
    Each square is centred on (px, py): its top-left pixel is ``round(p - point_size / 2)``.
    Pixels that fall off the canvas are dropped. Later points cover earlier ones, as in
    Playground's canvas. Points with a non-finite coordinate are skipped.

    Colours (``problem``):

    * ``"classification"`` and ``"regression"``: the continuous scale of the label (±1 labels
      are orange/blue, and regression values are shaded and clamped). Playground's thumbnails use
      ``colorScale(label)`` too.
    * ``"multiclass"``: integer labels 0..7 use :data:`CATEGORICAL`.

    A NaN label draws black. ``background`` is ``"#rrggbb"`` or (r, g, b), or None for a
    transparent background.

    Playground draws these thumbnails with y pointing down, upside down relative to the heatmap.
    This function fixes that.
    """
    pts = _as_real_array("xy", xy)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"xy must have shape (n, 2); got shape {pts.shape}")
    lab = _as_real_array("labels", labels)
    if lab.shape != (pts.shape[0],):
        raise ValueError(f"labels must have shape (n,) = ({pts.shape[0]},) to match xy; got shape {lab.shape}")
    size = _check_int("size", size, 1, 4096)
    point_size = _check_int("point_size", point_size, 1, size)
    if problem not in _PROBLEMS:
        raise ValueError(f"problem must be one of {_PROBLEMS}; got {problem!r}")

    if problem == "multiclass":
        finite = np.isfinite(lab)
        bad = finite & ((lab != np.round(lab)) | (lab < 0) | (lab >= MAX_CLASSES))
        if bad.any():
            raise ValueError(
                f"labels for problem='multiclass' must be integers 0..{MAX_CLASSES - 1}; got {lab[bad][0]!r}"
            )
        colors = np.zeros((len(lab), 3), dtype=np.uint8)
        colors[finite] = CATEGORICAL[lab[finite].astype(np.int64)]
    else:
        colors = ramp_rgb(lab)

    # Canvas: RGBA. Transparent unless a background is given.
    canvas = np.zeros((size, size, 4), dtype=np.uint8)
    if background is not None:
        canvas[..., :3] = _as_rgb("background", background).astype(np.uint8)
        canvas[..., 3] = 255

    keep = np.isfinite(pts).all(axis=1)
    order = np.nonzero(keep)[0]
    if order.size:
        half = point_size / 2.0
        px = size * (pts[order, 0] + 6.0) / 12.0
        py = size * (6.0 - pts[order, 1]) / 12.0
        # Keep the float coordinates finite and bounded before the integer cast (huge outliers).
        x0 = _js_round(np.clip(px - half, -2.0 * size, 2.0 * size)).astype(np.int64)
        y0 = _js_round(np.clip(py - half, -2.0 * size, 2.0 * size)).astype(np.int64)
        # owner[pixel] = the last point (in data order) that covers it, -1 if none.
        owner = np.full(size * size, -1, dtype=np.int64)
        rank = np.arange(order.size, dtype=np.int64)
        for dy in range(point_size):
            for dx in range(point_size):
                xs = x0 + dx
                ys = y0 + dy
                inside = (xs >= 0) & (xs < size) & (ys >= 0) & (ys < size)
                np.maximum.at(owner, ys[inside] * size + xs[inside], rank[inside])
        hit = owner >= 0
        flat = canvas.reshape(size * size, 4)
        flat[hit, :3] = colors[order[owner[hit]]]
        flat[hit, 3] = 255
    return encode_png_rgba(canvas)


# ---------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------


def link_width(weight) -> float:
    """Stroke width of a link in px: ``clamp(1 + 9 * |w| / 5, 1, 10)`` (i.e. 1 + 1.8|w|).

    This is Playground's d3 scale from |w| in [0, 5] to [1, 10] px, clamped. NaN gives the
    thinnest line (1 px). Its colour is :func:`color_for`.
    """
    if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, (int, float, np.integer, np.floating)):
        raise TypeError(f"weight must be a real number; got {weight!r}")
    w = abs(float(weight))
    if math.isnan(w):
        return 1.0
    return min(10.0, max(1.0, 1.0 + 9.0 * (w / 5.0)))


def block_averages(grids, block: int = 10) -> np.ndarray:
    """(N, H, W) -> (N, H/block, W/block) float64 block means, fast: two matrix
    products with a (H/block, H) averaging matrix, ``A @ g @ B.T``.

    The network panel's thumbnails, 30 times a second (48 grids of 100x100 for six
    layers of eight: ~0.35 ms, against ~1.2 ms summing blocks with ``reshape().sum()``);
    the same means as :func:`block_average` up to rounding (that one adds in
    Playground's order, bit for bit, and is 10 times slower)."""
    g = np.asarray(grids)
    if g.ndim != 3:
        raise ValueError(f"grids must be (N, H, W); got shape {g.shape}")
    n, h, w = g.shape
    b = _check_block(block, h, w, name="grids")
    with np.errstate(invalid="ignore", over="ignore"):
        means = _averaging_matrix(h, b) @ (g.astype(np.float64, copy=False)
                                           @ _averaging_matrix(w, b).T)
    if not np.isfinite(means).all():
        # 0 * inf or 0 * NaN would spread a non-finite value over its whole row of
        # blocks: sum block by block instead, so that it stays in its own block
        rows = g.reshape(n, h, w // b, b).sum(axis=-1, dtype=np.float64)      # (n, h, w/b)
        means = rows.reshape(n, h // b, b, w // b).sum(axis=2) / (b * b)
    return means


_AVERAGING: dict = {}


def _averaging_matrix(size: int, block: int) -> np.ndarray:
    """(size / block, size): row i averages entries i*block ... (i+1)*block - 1."""
    key = (size, block)
    m = _AVERAGING.get(key)
    if m is None:
        m = np.kron(np.eye(size // block), np.full((1, block), 1.0 / block))
        m.setflags(write=False)
        _AVERAGING[key] = m
    return m


# ---------------------------------------------------------------------------------------
# Link and bias colours as codes (one byte each, drawn through a colour scale)
# ---------------------------------------------------------------------------------------

COLOR_CODE_MAX = 254
"""Colour codes run 0..254: code = round(127 (clip(w, -1, 1) + 1)); 127 is w = 0."""


def color_codes(values) -> np.ndarray:
    """uint8 colour code of each weight or bias: ``round(127 * (clip(v, -1, 1) + 1))``.

    0 is orange (v <= -1), 127 grey (v = 0), 254 blue (v >= 1); NaN gives 127. A
    colour scale mapping [0, 127, 254] to the three anchors draws the continuous
    scale of :func:`color_for` at a resolution of 1/127.
    """
    v = np.asarray(values, dtype=np.float64)
    v = np.where(np.isnan(v), 0.0, np.clip(v, -1.0, 1.0))
    return np.floor(127.0 * (v + 1.0) + 0.5).astype(np.uint8)


def color_of_code(code: int) -> str:
    """The colour a colour code stands for (:func:`color_for` at code/127 - 1)."""
    return color_for(int(code) / 127.0 - 1.0)


# ---------------------------------------------------------------------------------------
# The thumbnail atlas: every node's thumbnail in one indexed picture
# ---------------------------------------------------------------------------------------

THUMBNAIL_OPACITY_FADED = 0.4
"""Opacity of an unselected feature's thumbnail (Playground)."""
_ATLAS_OPAQUE, _ = heatmap_palette(alpha=False, background=WHITE)
ATLAS_FADED = len(_ATLAS_OPAQUE)
"""Offset of the faded copy of the palette (index + 32 draws the same colour at 40 %)."""
ATLAS_EMPTY = 2 * len(_ATLAS_OPAQUE)
"""Index of the transparent pixels between the nodes (64)."""
ATLAS_PALETTE = np.vstack([_ATLAS_OPAQUE, _ATLAS_OPAQUE, np.zeros((1, 3), np.uint8)])
"""(65, 3) uint8: the atlas's PLTE: 32 heatmap colours over white, the same 32 again
(drawn faded through :data:`ATLAS_ALPHA`), one transparent entry."""
ATLAS_ALPHA = np.concatenate([
    np.full(ATLAS_FADED, 255, np.uint8),
    np.full(ATLAS_FADED, int(round(255 * THUMBNAIL_OPACITY_FADED)), np.uint8),
    np.zeros(1, np.uint8)])
"""(65,) uint8: the atlas's tRNS (opaque, 40 % and transparent)."""
ATLAS_PALETTE.setflags(write=False)
ATLAS_ALPHA.setflags(write=False)


def atlas_indices(shape, cells, small, faded=None, discretize: bool = False) -> np.ndarray:
    """An atlas of thumbnails as palette indices of :data:`ATLAS_PALETTE`.

    ``shape`` (rows, cols) of the picture; ``cells`` (N, 2) the top-left pixel of each
    thumbnail; ``small`` (N, t, t) the thumbnails' values (block averages);
    ``faded`` (N,) bools: drawn with the faded palette copy (+32). Each thumbnail is
    quantized (:func:`bucket_index`, after :func:`discretized` when asked); pixels
    outside every thumbnail are :data:`ATLAS_EMPTY` (transparent).
    """
    rows, cols = (int(v) for v in shape)
    out = np.full((rows, cols), ATLAS_EMPTY, dtype=np.uint8)
    small = np.asarray(small, dtype=np.float64)
    cells = np.asarray(cells, dtype=np.int64).reshape(-1, 2)
    if small.ndim != 3 or len(small) != len(cells):
        raise ValueError(f"small must be (N, t, t) with N = len(cells) = {len(cells)}; "
                         f"got shape {small.shape}")
    if not len(cells):
        return out
    th, tw = small.shape[1:]
    if (cells < 0).any() or (cells[:, 0] + th > rows).any() or (cells[:, 1] + tw > cols).any():
        raise ValueError(f"cells must keep each {th}x{tw} thumbnail inside the {rows}x{cols} "
                         f"atlas")
    if discretize:
        small = discretized(small)
    idx = bucket_index(small)
    if faded is not None:
        idx[np.asarray(faded, dtype=bool)] += ATLAS_FADED
    r0 = cells[:, 0, None, None] + np.arange(th)[None, :, None]
    c0 = cells[:, 1, None, None] + np.arange(tw)[None, None, :]
    out[r0, c0] = idx
    return out
