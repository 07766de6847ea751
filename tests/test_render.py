"""Tests for nbplayground.render: palettes, PNG encoding, heatmaps, thumbnails, atlas.

The oracles are the formulas of docs/playground.md (section 8), evaluated independently here with exact fractions
or plain Python loops. Pixels measured in Playground's reference screenshot are also used.
PNGs are checked with a small decoder written below: it parses the chunks, verifies each CRC,
inflates the data, undoes the filter-0 rows and maps indices through PLTE/tRNS.
"""

from __future__ import annotations

import math
import struct
import zlib
from fractions import Fraction

import numpy as np
import pytest

from nbplayground import render

ORANGE = (0xF5, 0x93, 0x22)
GREY = (0xE8, 0xEA, 0xEB)
BLUE = (0x08, 0x77, 0xBD)


# ---------------------------------------------------------------------------------------
# A tiny PNG decoder (independent of the encoder)
# ---------------------------------------------------------------------------------------


def decode_png(data: bytes) -> dict:
    """Decode the PNGs render writes: 8-bit, colour type 3 or 6, no interlace, filter 0 rows.

    Returns a dict with the ``ihdr`` fields, the chunk ``types`` in order, ``indices`` and
    ``palette``/``trns`` (type 3), and ``rgba`` (H, W, 4) for both types.
    """
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"CRC mismatch in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert pos == len(data), "trailing bytes after the last chunk"
    types = [k for k, _ in chunks]
    assert types[0] == b"IHDR" and types[-1] == b"IEND"
    width, height, depth, ctype, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, comp, filt, interlace) == (8, 0, 0, 0)
    channels = {3: 1, 6: 4}[ctype]
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    stride = width * channels
    assert len(raw) == height * (stride + 1)
    rows = []
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        assert line[0] == 0, f"row {y} uses filter {line[0]}, expected 0"
        rows.append(list(line[1:]))
    pixels = np.array(rows, dtype=np.uint8)
    out = {"width": width, "height": height, "color_type": ctype, "types": types}
    if ctype == 3:
        plte = dict(chunks)[b"PLTE"]
        assert len(plte) % 3 == 0 and 1 <= len(plte) // 3 <= 256
        palette = np.frombuffer(plte, np.uint8).reshape(-1, 3)
        trns_body = dict(chunks).get(b"tRNS")
        alpha = np.full(len(palette), 255, np.uint8)
        if trns_body is not None:
            assert types.index(b"PLTE") < types.index(b"tRNS") < types.index(b"IDAT")
            alpha[: len(trns_body)] = np.frombuffer(trns_body, np.uint8)
        assert pixels.max() < len(palette)
        out.update(indices=pixels, palette=palette, trns=trns_body)
        out["rgba"] = np.concatenate([palette[pixels], alpha[pixels][..., None]], axis=-1)
    else:
        out["rgba"] = pixels.reshape(height, width, 4)
    return out


# ---------------------------------------------------------------------------------------
# Oracles
# ---------------------------------------------------------------------------------------


def round_half_up(q: Fraction) -> int:
    """JavaScript Math.round on an exact rational."""
    return math.floor(q + Fraction(1, 2))


def ramp_oracle(v: Fraction) -> tuple[int, int, int]:
    """Spec 8.1 continuous scale over [-1, 0, 1], clamped, evaluated exactly."""
    v = min(max(v, Fraction(-1)), Fraction(1))
    a, b, t = (ORANGE, GREY, v + 1) if v < 0 else (GREY, BLUE, v)
    return tuple(round_half_up(a[c] + (b[c] - a[c]) * t) for c in range(3))


def js_round(x: float) -> int:
    """JavaScript Math.round on a double: halves go up."""
    r = math.floor(x)
    return r + 1 if x - r >= 0.5 else r


def ramp_oracle_js(v: float) -> tuple[int, int, int]:
    """The same scale in double arithmetic, step by step as d3 v3 computes it in JavaScript.

    Python floats are IEEE doubles like JavaScript numbers. This matters near rounding ties: at
    v = 0.1 the green channel is 234 + (-115) * 0.1, which is exactly 222.5 in doubles (223).
    The exact rational of the double 0.1 is just below the tie and gives 222.
    """
    x = max(-1.0, min(1.0, v))
    a, b, t = (ORANGE, GREY, (x - -1.0) / 1.0) if x < 0 else (GREY, BLUE, (x - 0.0) / 1.0)
    t = max(0.0, min(1.0, t))
    return tuple(js_round(a[c] + (b[c] - a[c]) * t) for c in range(3))


def blend_oracle(c, bg, alpha=160):
    c, bg = [int(v) for v in c], [int(v) for v in bg]
    return tuple(round_half_up(Fraction(c[i] * alpha + bg[i] * (255 - alpha), 255)) for i in range(3))


def bucket_oracle(v: float) -> int:
    """Spec: clamp(floor(31 (v + 1) / 2), 0, 30); NaN -> 31."""
    if math.isnan(v):
        return 31
    if math.isinf(v):
        return 30 if v > 0 else 0
    return min(max(math.floor(31 * (v + 1) / 2), 0), 30)


def grid(density: int = 100):
    """Playground's display grid: x across columns, y down the rows starting at +6."""
    lin = [-6 + 12 * i / (density - 1) for i in range(density)]
    x = np.array([lin] * density)
    y = np.array([[6 - 12 * j / (density - 1)] * density for j in range(density)])
    return x, y


# ---------------------------------------------------------------------------------------
# Palettes
# ---------------------------------------------------------------------------------------


def test_anchor_colours_exact():
    assert render.ORANGE == "#f59322" and render.GREY == "#e8eaeb" and render.BLUE == "#0877bd"
    assert render.color_for(-1) == "#f59322"
    assert render.color_for(0) == "#e8eaeb"
    assert render.color_for(1) == "#0877bd"
    assert tuple(render.QUANTIZED[0]) == ORANGE
    assert tuple(render.QUANTIZED[15]) == GREY
    assert tuple(render.QUANTIZED[30]) == BLUE


def test_quantized_palette_matches_formula():
    assert render.QUANTIZED.shape == (31, 3) and render.QUANTIZED.dtype == np.uint8
    for i in range(31):
        # Sample s = i/30 of the [0, .5, 1] scale, i.e. value 2s - 1 of the [-1, 1] ramp.
        v = 2 * Fraction(i, 30) - 1
        seg_a, seg_b, t = (ORANGE, GREY, v + 1) if v < 0 else (GREY, BLUE, v)
        exact = [seg_a[c] + (seg_b[c] - seg_a[c]) * t for c in range(3)]
        # No channel sits on a rounding tie, so float sample points cannot flip a rounding.
        assert all(q.denominator != 2 for q in exact)
        assert tuple(render.QUANTIZED[i]) == tuple(round_half_up(q) for q in exact), i
        assert render.QUANTIZED_HEX[i] == "#%02x%02x%02x" % tuple(render.QUANTIZED[i])


@pytest.mark.parametrize("value", [-5.0, -1.0, -0.75, -0.5, -0.1, 0.0, 0.1, 0.25, 0.5, 0.9, 1.0, 3.0])
def test_continuous_colour_matches_formula(value):
    expected = "#%02x%02x%02x" % ramp_oracle_js(value)
    assert render.color_for(value) == expected
    if (value * 4).is_integer():  # exact in binary: the rational oracle must agree
        assert expected == "#%02x%02x%02x" % ramp_oracle(Fraction(value))


def test_continuous_colour_uses_double_arithmetic_like_d3():
    # 234 - 115 * 0.1 is exactly 222.5 in doubles, so JavaScript rounds it to 223 (0xdf).
    assert 234 + (119 - 234) * 0.1 == 222.5
    assert render.color_for(0.1)[3:5] == "df"
    rng = np.random.default_rng(9)
    values = rng.uniform(-1.2, 1.2, 500)
    got = render.ramp_rgb(values)
    assert [tuple(c) for c in got.tolist()] == [ramp_oracle_js(float(v)) for v in values]


def test_continuous_colour_rounds_halves_up_like_d3():
    # At v = 0.5 the green channel is 234 + (119 - 234) / 2 = 176.5. d3 gives 177 (0xb1).
    assert render.color_for(0.5) == "#78b1d4"
    assert render.color_for(float("nan")) == "#000000"
    rgb = render.ramp_rgb(np.array([[-1.0, 0.5], [np.nan, 7.0]]))
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == ORANGE and tuple(rgb[1, 0]) == (0, 0, 0) and tuple(rgb[1, 1]) == BLUE


def test_color_for_rejects_non_numbers():
    with pytest.raises(TypeError, match="value"):
        render.color_for("0.5")


@pytest.mark.parametrize(
    "value, expected",
    [(-1.0, 0), (-0.999, 0), (0.0, 15), (0.999, 30), (1.0, 30), (2.0, 30), (-2.0, 0), (float("nan"), 31)],
)
def test_bucket_index_spec_points(value, expected):
    assert bucket_oracle(value) == expected
    out = render.bucket_index(np.array([value]))
    assert out.dtype == np.uint8 and int(out[0]) == expected


def test_bucket_index_matches_formula_everywhere():
    rng = np.random.default_rng(7)
    edges = np.array([2 * k / 31 - 1 for k in range(32)])
    values = np.concatenate(
        [rng.uniform(-1.5, 1.5, 2000), edges, np.nextafter(edges, -2), np.nextafter(edges, 2), [np.inf, -np.inf]]
    )
    got = render.bucket_index(values)
    assert got.tolist() == [bucket_oracle(float(v)) for v in values]
    # Each bucket covers an equal share 2/31 of [-1, 1].
    # (Sample at mid-points of a fine grid, so that no sample sits on a bucket edge.)
    mids = np.linspace(-1, 1, 31 * 1000, endpoint=False) + 1 / (31 * 1000)
    assert np.bincount(render.bucket_index(mids)).tolist() == [1000] * 31


def test_bucket_index_keeps_shape_and_rejects_text():
    assert render.bucket_index(np.zeros((3, 4))).shape == (3, 4)
    with pytest.raises(TypeError, match="values"):
        render.bucket_index(np.array(["a", "b"]))


def test_heatmap_palette_blends_match_playground_screenshot():
    # Measured in playground-default-circle.png: saturated orange/blue heatmap pixels on the
    # #f7f7f7 page, and an orange feature thumbnail on its white node box.
    palette, trns = render.heatmap_palette()
    assert trns is None
    assert tuple(palette[0]) == (246, 184, 113)
    assert tuple(palette[30]) == (97, 167, 211)
    white, _ = render.heatmap_palette(background=render.WHITE)
    assert tuple(white[0]) == (249, 187, 116)
    for i in range(32):
        c = tuple(render.QUANTIZED[i]) if i < 31 else (0, 0, 0)
        assert tuple(palette[i]) == blend_oracle(c, (247, 247, 247))
        assert tuple(white[i]) == blend_oracle(c, (255, 255, 255))
    raw, alpha = render.heatmap_palette(alpha=True)
    assert np.array_equal(raw[:31], render.QUANTIZED) and tuple(raw[31]) == (0, 0, 0)
    assert alpha.tolist() == [160] * 32


def test_background_validation():
    with pytest.raises(ValueError, match="background"):
        render.heatmap_palette(background="white")
    with pytest.raises(ValueError, match="background"):
        render.heatmap_palette(background=(0, 0, 300))


# ---------------------------------------------------------------------------------------
# PNG encoding
# ---------------------------------------------------------------------------------------


def test_indexed_png_round_trip():
    rng = np.random.default_rng(3)
    palette = rng.integers(0, 256, (40, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, 40, dtype=np.uint8)
    indices = rng.integers(0, 40, (17, 23), dtype=np.uint8)
    png = render.encode_png_indexed(indices, palette, alpha)
    dec = decode_png(png)
    assert (dec["width"], dec["height"], dec["color_type"]) == (23, 17, 3)
    assert dec["types"] == [b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"]
    assert np.array_equal(dec["indices"], indices)
    assert np.array_equal(dec["palette"], palette)
    assert dec["trns"] == alpha.tobytes()


@pytest.mark.parametrize("shape, n_colors", [((1, 1), 1), ((1, 300), 256), ((300, 1), 2), ((3, 256), 256)])
def test_indexed_png_round_trip_edge_shapes(shape, n_colors):
    rng = np.random.default_rng(sum(shape))
    palette = rng.integers(0, 256, (n_colors, 3), dtype=np.uint8)
    indices = rng.integers(0, n_colors, shape).astype(np.uint8)
    dec = decode_png(render.encode_png_indexed(indices, palette, level=9))
    assert np.array_equal(dec["indices"], indices) and np.array_equal(dec["palette"], palette)


def test_indexed_png_without_alpha_has_no_trns():
    png = render.encode_png_indexed(np.array([[0, 1], [1, 0]], np.uint8), np.array([[0, 0, 0], [255, 255, 255]]))
    dec = decode_png(png)
    assert b"tRNS" not in dec["types"]
    assert dec["rgba"][:, :, 0].tolist() == [[0, 255], [255, 0]]
    assert (dec["rgba"][..., 3] == 255).all()


def test_rgba_png_round_trip():
    rgba = np.random.default_rng(4).integers(0, 256, (5, 9, 4), dtype=np.uint8)
    dec = decode_png(render.encode_png_rgba(rgba))
    assert dec["color_type"] == 6 and np.array_equal(dec["rgba"], rgba)


@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda: render.encode_png_indexed(np.zeros((2, 2), np.uint8), np.zeros((2, 4), np.uint8)), ValueError, "palette"),  # noqa: E501
        (lambda: render.encode_png_indexed(np.full((2, 2), 5, np.uint8), np.zeros((3, 3), np.uint8)), ValueError, "indices"),  # noqa: E501
        (lambda: render.encode_png_indexed(np.zeros((2, 2, 1), np.uint8), np.zeros((3, 3), np.uint8)), ValueError, "indices"),  # noqa: E501
        (lambda: render.encode_png_indexed(np.zeros((2, 2)), np.zeros((3, 3), np.uint8)), TypeError, "indices"),
        (lambda: render.encode_png_indexed(np.zeros((2, 2), np.uint8), np.zeros((3, 3), np.uint8), np.zeros(4, np.uint8)), ValueError, "alpha"),  # noqa: E501
        (lambda: render.encode_png_indexed(np.zeros((2, 2), int), np.full((3, 3), 256)), ValueError, "palette"),
        (lambda: render.encode_png_rgba(np.zeros((2, 2, 3), np.uint8)), ValueError, "rgba"),
        (lambda: render.encode_png_rgba(np.zeros((2, 2, 4), np.uint8), level=11), ValueError, "level"),
    ],
)
def test_encoder_input_errors(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


# ---------------------------------------------------------------------------------------
# Heatmap
# ---------------------------------------------------------------------------------------


def smooth_fields():
    x, y = grid()
    return {
        "tanh-linear": np.tanh(0.8 * x - 0.5 * y + 0.3),
        "circle": np.tanh(2.0 * (2.5 - np.hypot(x, y))),
    }


@pytest.mark.parametrize("name", ["tanh-linear", "circle"])
def test_heatmap_pixels_and_size(name):
    values = smooth_fields()[name]
    png = render.heatmap_png(values)
    assert len(png) <= 1500, f"{name}: {len(png)} bytes"
    dec = decode_png(png)
    assert (dec["width"], dec["height"]) == (100, 100)
    expected_idx = np.array([[bucket_oracle(float(v)) for v in row] for row in values])
    assert np.array_equal(dec["indices"], expected_idx)
    # Opaque, blended over Playground's #f7f7f7 page.
    for i in (0, 7, 15, 22, 30):
        assert tuple(dec["palette"][i]) == blend_oracle(tuple(render.QUANTIZED[i]), (247, 247, 247))
    assert len(render.heatmap_png(values, alpha=True)) <= 1500


def test_heatmap_rows_are_top_to_bottom():
    x, y = grid()
    dec = decode_png(render.heatmap_png(np.tanh(y)))  # positive (blue) at the top
    assert (dec["indices"][0] == 30).all() and (dec["indices"][-1] == 0).all()


def test_heatmap_alpha_and_nan():
    values = np.zeros((4, 5))
    values[1, 2] = np.nan
    dec = decode_png(render.heatmap_png(values, alpha=True))
    assert dec["indices"][1, 2] == render.NAN_INDEX == 31
    assert tuple(dec["rgba"][1, 2]) == (0, 0, 0, 160)
    assert tuple(dec["rgba"][0, 0]) == GREY + (160,)
    opaque = decode_png(render.heatmap_png(values))
    assert tuple(opaque["rgba"][1, 2]) == blend_oracle((0, 0, 0), (247, 247, 247)) + (255,)


def test_heatmap_discretize():
    x, _ = grid()
    values = np.tanh(x)
    values[0, 0] = 0.0
    values[0, 1] = np.nan
    dec = decode_png(render.heatmap_png(values, discretize=True))
    idx = dec["indices"]
    assert idx[0, 0] == 30  # v = 0 counts as positive
    assert idx[0, 1] == 31  # NaN stays visible
    rest = np.delete(idx.ravel(), [0, 1])
    expected = np.delete(np.where(values >= 0, 30, 0).ravel(), [0, 1])
    assert np.array_equal(rest, expected)


def test_heatmap_input_errors():
    with pytest.raises(ValueError, match="values"):
        render.heatmap_png(np.zeros(100))
    with pytest.raises(TypeError, match="values"):
        render.heatmap_png([["a"]])


# ---------------------------------------------------------------------------------------
# Thumbnails and atlas
# ---------------------------------------------------------------------------------------


def playground_reduce(matrix, factor):
    """Playground's reduceMatrix, transcribed as plain Python loops in the same summation order."""
    n = len(matrix)
    out = []
    for i in range(0, n, factor):
        row = []
        for j in range(0, n, factor):
            avg = 0.0
            for k in range(factor):
                for l in range(factor):
                    avg += matrix[i + k][j + l]
            row.append(avg / (factor * factor))
        out.append(row)
    return out


def test_block_average_is_playgrounds_reduce_bit_for_bit():
    values = np.random.default_rng(5).normal(size=(100, 100))
    got = render.block_average(values, 10)
    assert got.shape == (10, 10)
    assert got.tolist() == playground_reduce(values.tolist(), 10)
    assert np.allclose(got, values.reshape(10, 10, 10, 10).mean(axis=(1, 3)))


def test_block_average_errors():
    with pytest.raises(ValueError, match="block"):
        render.block_average(np.zeros((100, 100)), 7)
    with pytest.raises(ValueError, match="values"):
        render.block_average(np.zeros((2, 10, 10)))


def node_stack(n):
    x, y = grid()
    rng = np.random.default_rng(11)
    a, b, c = rng.normal(size=(3, n, 1, 1))
    return np.tanh(a * x + b * y + c)


def test_fast_block_averages_match_playgrounds_reduce():
    grids = node_stack(5)
    fast = render.block_averages(grids)
    assert fast.shape == (5, 10, 10)
    for k in range(5):
        assert np.allclose(fast[k], playground_reduce(grids[k].tolist(), 10), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="grids"):
        render.block_averages(np.zeros((100, 100)))


def test_atlas_places_each_thumbnail_at_its_cell_and_leaves_the_rest_transparent():
    grids = node_stack(3)
    small = render.block_averages(grids)
    cells = [(0, 0), (12, 3), (2, 20)]
    atlas = render.atlas_indices((30, 40), cells, small, faded=[False, True, False])
    for k, (r, c) in enumerate(cells):
        expected = np.array([[bucket_oracle(v) for v in row]
                             for row in playground_reduce(grids[k].tolist(), 10)])
        offset = render.ATLAS_FADED if k == 1 else 0
        assert np.array_equal(atlas[r:r + 10, c:c + 10], expected + offset), k
    painted_cells = np.zeros((30, 40), bool)
    for r, c in cells:
        painted_cells[r:r + 10, c:c + 10] = True
    assert (atlas[~painted_cells] == render.ATLAS_EMPTY).all()
    # the palette: opaque, the same colours at 40 %, one transparent entry
    png = render.encode_png_indexed(atlas, render.ATLAS_PALETTE, render.ATLAS_ALPHA)
    rgba = decode_png(png)["rgba"]
    assert (rgba[0:10, 0:10, 3] == 255).all() and (rgba[12:22, 3:13, 3] == 102).all()
    assert (rgba[~painted_cells][:, 3] == 0).all()


def test_atlas_discretize_uses_the_two_end_colours_after_averaging():
    # each block: 60 cells of +1 and 40 of -1; its mean 0.2 > 0 makes it all blue
    values = np.where((np.arange(100) % 10)[None, :] < 6, 1.0, -1.0) * np.ones((100, 1))
    small = render.block_averages(values[None])
    atlas = render.atlas_indices((10, 10), [(0, 0)], small, discretize=True)
    assert (atlas == 30).all()
    assert (render.atlas_indices((10, 10), [(0, 0)], small) == bucket_oracle(0.2)).all()


def test_atlas_refuses_cells_outside_the_picture():
    with pytest.raises(ValueError, match="inside"):
        render.atlas_indices((10, 10), [(5, 5)], np.zeros((1, 10, 10)))
    with pytest.raises(ValueError, match="small"):
        render.atlas_indices((10, 10), [(0, 0)], np.zeros((2, 10, 10)))


def test_color_codes_follow_the_continuous_scale():
    codes = render.color_codes([-2.0, -1.0, 0.0, 0.5, 1.0, float("nan")])
    assert codes.tolist() == [0, 0, 127, 191, 254, 127]
    assert render.color_of_code(0) == render.ORANGE and render.color_of_code(254) == render.BLUE
    assert render.color_of_code(127) == render.color_for(0.0)


# ---------------------------------------------------------------------------------------
# Dataset thumbnails
# ---------------------------------------------------------------------------------------


def painted(rgba):
    """Mask of pixels that differ from the white background."""
    return (rgba[..., :3] != 255).any(axis=-1)


def test_dataset_thumbnail_y_points_up():
    dec = decode_png(render.dataset_thumbnail_png(np.array([[0.0, 5.0]]), np.array([1.0])))
    rgba = dec["rgba"]
    assert rgba.shape == (100, 100, 4)
    ys, xs = np.nonzero(painted(rgba))
    assert len(ys) == 16  # one 4x4 square
    assert ys.max() < 50  # in the top half
    # Centred on px = 100 * 6 / 12 = 50, py = 100 * (6 - 5) / 12 = 8.33.
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (6, 9, 48, 51)
    assert {tuple(c) for c in rgba[ys, xs, :3]} == {BLUE}

    low = decode_png(render.dataset_thumbnail_png(np.array([[5.0, -5.0]]), np.array([-1.0])))["rgba"]
    ys, xs = np.nonzero(painted(low))
    assert ys.min() > 50 and xs.min() > 50
    assert {tuple(c) for c in low[ys, xs, :3]} == {ORANGE}


def test_dataset_thumbnail_colours_and_clipping():
    xy = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, -3.0], [20.0, 20.0], [np.nan, 0.0]])
    labels = np.array([0.5, 2.0, np.nan, 1.0, 1.0])
    rgba = decode_png(render.dataset_thumbnail_png(xy, labels, problem="regression"))["rgba"]
    assert tuple(rgba[50, 25, :3]) == ramp_oracle(Fraction(1, 2))  # x = -3 -> px 25
    assert tuple(rgba[50, 75, :3]) == BLUE  # clamped
    assert tuple(rgba[75, 50, :3]) == (0, 0, 0)  # NaN label
    assert painted(rgba).sum() == 3 * 16  # the off-canvas and NaN points draw nothing

    multi = decode_png(
        render.dataset_thumbnail_png(xy[:3], np.array([0, 1, 2]), problem="multiclass", background=None)
    )["rgba"]
    assert tuple(multi[50, 25]) == ORANGE + (255,)
    assert tuple(multi[50, 75]) == BLUE + (255,)
    assert tuple(multi[75, 50, :3]) == tuple(render.CATEGORICAL[2])
    assert multi[0, 0, 3] == 0  # transparent background


def test_dataset_thumbnail_later_points_cover_earlier():
    xy = np.array([[0.0, 0.0], [0.1, 0.0]])
    rgba = decode_png(render.dataset_thumbnail_png(xy, np.array([-1.0, 1.0])))["rgba"]
    assert tuple(rgba[50, 50, :3]) == BLUE


def test_dataset_thumbnail_errors():
    with pytest.raises(ValueError, match="xy"):
        render.dataset_thumbnail_png(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="labels"):
        render.dataset_thumbnail_png(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="problem"):
        render.dataset_thumbnail_png(np.zeros((3, 2)), np.zeros(3), problem="ranking")
    with pytest.raises(ValueError, match="labels"):
        render.dataset_thumbnail_png(np.zeros((1, 2)), np.array([9]), problem="multiclass")


# ---------------------------------------------------------------------------------------
# Multi-class heatmap
# ---------------------------------------------------------------------------------------


def test_categorical_palette_starts_with_playground_colours():
    assert tuple(render.CATEGORICAL[0]) == ORANGE and tuple(render.CATEGORICAL[1]) == BLUE
    assert len({tuple(c) for c in render.CATEGORICAL}) == render.MAX_CLASSES == 8


def test_class_heatmap_argmax_and_confidence():
    k, levels = 3, 16
    probs = np.zeros((k, 1, 5))
    probs[:, 0, 0] = [1, 0, 0]  # certain class 0
    probs[:, 0, 1] = [0, 0, 1]  # certain class 2
    probs[:, 0, 2] = [1 / 3, 1 / 3, 1 / 3]  # undecided -> grey
    probs[:, 0, 3] = [0.2, 0.6, 0.2]  # class 1, c = (0.6 - 1/3) / (2/3) = 0.4 -> level 6
    probs[:, 0, 4] = [np.nan, 0.5, 0.5]
    img = render.class_heatmap(probs, levels, alpha=True)
    assert img.indices.tolist() == [[0 * 16 + 15, 2 * 16 + 15, 0, 1 * 16 + 6, 3 * 16]]
    # c = (0.9 - 1/3) / (2/3) = 17/20; 16 c = 13.6 -> level 13 (floor, not round).
    tilted = render.class_heatmap(np.array([[[0.05]], [[0.05]], [[0.9]]]), levels)
    assert int(tilted.indices[0, 0]) == 2 * 16 + math.floor(16 * Fraction(17, 20)) == 45
    assert len(img.palette) == 3 * 16 + 1 <= 256 and img.alpha.tolist() == [160] * 49
    rgb = img.to_rgb()[0]
    assert tuple(rgb[0]) == ORANGE and tuple(rgb[1]) == tuple(render.CATEGORICAL[2])
    assert tuple(rgb[2]) == GREY and tuple(rgb[4]) == (0, 0, 0)
    expected = tuple(round_half_up(GREY[c] + (BLUE[c] - GREY[c]) * Fraction(6, 15)) for c in range(3))
    assert tuple(rgb[3]) == expected
    dec = decode_png(render.class_heatmap_png(probs, levels))
    assert np.array_equal(dec["indices"], img.indices)
    assert b"tRNS" not in dec["types"]


def test_class_heatmap_palette_fits_and_errors():
    probs = np.random.default_rng(2).dirichlet(np.ones(8), size=(20, 20)).transpose(2, 0, 1)
    img = render.class_heatmap(probs)
    assert len(img.palette) == 8 * 16 + 1 and img.indices.max() < len(img.palette)
    with pytest.raises(ValueError, match="probabilities"):
        render.class_heatmap(np.ones((9, 2, 2)) / 9)
    with pytest.raises(ValueError, match="probabilities"):
        render.class_heatmap(np.ones((2, 2)))


# ---------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("w", [0.0, 0.3, -1.0, 2.5, -5.0, 12.0])
def test_link_width_formula(w):
    # Spec 8.4: 1 + 1.8 |w|, clamped to [1, 10].
    assert render.link_width(w) == pytest.approx(min(10.0, 1 + 1.8 * abs(w)))
    assert render.link_width(float("nan")) == 1.0


def test_png_data_url():
    url = render.png_data_url(render.heatmap_png(np.zeros((2, 2))))
    assert url.startswith("data:image/png;base64,iVBORw0KGgo")


def test_block_averages_keep_a_non_finite_value_in_its_own_block():
    grids = np.random.default_rng(3).uniform(-1, 1, (2, 100, 100))
    grids[1, 15, 47] = np.nan
    grids[0, 91, 2] = np.inf
    small = render.block_averages(grids)
    bad = ~np.isfinite(small)
    assert bad.sum() == 2 and bad[1, 1, 4] and bad[0, 9, 0]
    expected = grids.reshape(2, 10, 10, 10, 10).mean(axis=(2, 4))
    assert np.allclose(small[~bad], expected[~bad], rtol=0, atol=1e-12)
