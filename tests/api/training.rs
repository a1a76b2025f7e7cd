//! Training sessions over the API.
