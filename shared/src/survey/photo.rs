//! A photo in the survey: the picture and its thumbnail, both blobs named
//! by their SHA-256 (so a photo is stored and uploaded once, whichever
//! devices hold it), and when it was taken. The document holds only these
//! names; the bytes live in the device's store and on the relay.

use autosurgeon::{Hydrate, Reconcile};

use crate::blobs::BlobHash;

/// One photo of a household, a work or a statement's evidence.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Photo {
    /// The picture's blob (SHA-256, hex): also the photo's identity.
    #[key]
    pub hash: String,
    /// The thumbnail's blob (SHA-256, hex), small enough to fetch with the
    /// record on a weak connection.
    #[autosurgeon(missing = "Default::default")]
    pub thumb: String,
    /// When it was added, unix seconds.
    #[autosurgeon(missing = "Default::default")]
    pub taken: i64,
}

impl Photo {
    /// A photo of `picture` with thumbnail `thumb`, added at `taken`.
    pub fn new(picture: BlobHash, thumb: BlobHash, taken: i64) -> Self {
        Self {
            hash: picture.to_string(),
            thumb: thumb.to_string(),
            taken,
        }
    }

    /// Both blobs, the thumbnail first (it is what other devices show
    /// first, so it goes up first).
    pub fn blobs(&self) -> Vec<BlobHash> {
        [&self.thumb, &self.hash]
            .into_iter()
            .filter_map(|h| h.parse().ok())
            .collect()
    }
}

/// Adds `photo` to `photos` unless a photo of the same picture is there.
pub fn add(photos: &mut Vec<Photo>, photo: Photo) {
    if !photos.iter().any(|p| p.hash == photo.hash) {
        photos.push(photo);
    }
}

/// Removes the photo of picture `hash`, if there.
pub fn remove(photos: &mut Vec<Photo>, hash: &str) {
    photos.retain(|p| p.hash != hash);
}

/// Every photo the survey holds: of households, of works, of statements'
/// evidence.
pub fn all(doc: &automerge::Automerge) -> Vec<Photo> {
    let mut found: Vec<Photo> = super::households(doc)
        .iter()
        .filter_map(|h| super::record::read_record(doc, &h.id).ok())
        .flat_map(|r| r.photos)
        .collect();
    found.extend(
        super::infrastructure::infrastructure(doc)
            .into_values()
            .flat_map(|e| e.evidence.photos),
    );
    found.extend(
        super::infrastructure::attestations(doc)
            .into_values()
            .flat_map(|a| a.evidence.photos),
    );
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{self, infrastructure, record, HouseholdId};

    #[test]
    fn a_photo_is_held_once_per_picture_and_found_wherever_it_is() {
        let mut doc = survey::genesis(&survey::demo_commune());
        let h = HouseholdId::from_random([4; 16]);
        survey::add_household(&mut doc, &h, "Lò Thị Hoa", 2, "Bản Hồ", 10).unwrap();
        let house = Photo::new(BlobHash::of(b"house"), BlobHash::of(b"small house"), 11);
        record::update_record(&mut doc, &h, 11, |r| {
            add(&mut r.photos, house.clone());
            add(&mut r.photos, house.clone());
        })
        .unwrap();
        assert_eq!(record::read_record(&doc, &h).unwrap().photos.len(), 1);
        let mut road =
            infrastructure::InfraEntry::new(infrastructure::InfraKind::Road, "Đường Bản Hồ");
        let bridge = Photo::new(BlobHash::of(b"road"), BlobHash::of(b"small road"), 12);
        add(&mut road.evidence.photos, bridge.clone());
        infrastructure::put_infrastructure(&mut doc, "r1", &road, 12).unwrap();
        assert_eq!(all(&doc), [house.clone(), bridge]);
        assert_eq!(
            house.blobs(),
            [BlobHash::of(b"small house"), BlobHash::of(b"house")]
        );
        record::update_record(&mut doc, &h, 13, |r| remove(&mut r.photos, &house.hash)).unwrap();
        assert_eq!(all(&doc).len(), 1);
    }

    #[test]
    fn photos_two_tablets_add_at_once_are_both_kept() {
        let mut a = survey::genesis(&survey::demo_commune());
        let h = HouseholdId::from_random([5; 16]);
        survey::add_household(&mut a, &h, "Giàng A Dơ", 4, "Bản Hồ", 10).unwrap();
        let mut b = a.fork();
        let first = Photo::new(BlobHash::of(b"kitchen"), BlobHash::of(b"k"), 11);
        let second = Photo::new(BlobHash::of(b"latrine"), BlobHash::of(b"l"), 12);
        record::update_record(&mut a, &h, 11, |r| add(&mut r.photos, first.clone())).unwrap();
        record::update_record(&mut b, &h, 12, |r| add(&mut r.photos, second.clone())).unwrap();
        a.merge(&mut b).unwrap();
        let mut kept = record::read_record(&a, &h).unwrap().photos;
        kept.sort_by_key(|p| p.taken);
        assert_eq!(kept, [first, second]);
    }
}
