"""The Gradio app. Only this package imports gradio."""
