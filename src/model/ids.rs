//! Newtype ids for the things a scenario names; each indexes a `Vec` of the model.

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The id of the element at `index` of its `Vec`.
            pub fn from_index(index: usize) -> Self {
                $name(u32::try_from(index).expect("fewer than 2^32 elements"))
            }
            /// The position of this element in its `Vec`.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

id_type!(
    /// A node (mail system) of the topology.
    NodeId,
    /// A connector (directed route between two nodes).
    ConnectorId,
    /// An interned domain name.
    DomainId,
    /// A conditional routing rule.
    RuleId,
    /// A traffic stream.
    StreamId,
    /// A message tag (at most 32 per scenario: tags are a bit set on each message).
    TagId,
);
