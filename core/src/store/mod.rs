//! The device store (see issue 2); filled in next.
