"""nbplayground: TensorFlow Playground as a Jupyter widget, with a NumPy engine."""
