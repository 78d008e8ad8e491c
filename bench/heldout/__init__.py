"""An independent held-out generator of Vietnamese administrative documents (see README.md).

Never used for tuning. Imports only the standard library, numpy, OpenCV, Pillow, system fonts
and reference-data packages (vietnam-provinces, python-stdnum); nothing from `samples/`.
"""
