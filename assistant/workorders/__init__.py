"""接诉即办 work orders: deadlines, lifecycle, import, classification and statistics."""
