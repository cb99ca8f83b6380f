"""Resident registry (住民基本台帳) of one municipality."""
