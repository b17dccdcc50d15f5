//! Direct, transitive and reverse dependencies, cycles included.

mod common;

use amsp_catalog::Catalog;
use amsp_core::AssetId;
use common::*;

/// A catalog with one record per `(id, deps)` pair.
fn graph(edges: &[(u128, &[u128])]) -> Catalog {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let records: Vec<_> = edges
        .iter()
        .map(|&(n, deps)| {
            let mut r = record(n, &format!("assets/{n}.bin"), "data");
            r.dependencies = deps.iter().map(|&d| id(d)).collect();
            r
        })
        .collect();
    write(&mut catalog, &records);
    catalog
}

fn set(ids: &[AssetId]) -> Vec<u128> {
    let mut v: Vec<u128> = ids.iter().map(|i| i.as_u128()).collect();
    v.sort_unstable();
    v
}

fn each_once(ids: &[AssetId]) {
    let mut seen = std::collections::HashSet::new();
    assert!(ids.iter().all(|i| seen.insert(*i)), "duplicate in {ids:?}");
}

#[test]
fn direct_dependencies_keep_declaration_order() {
    let catalog = graph(&[(1, &[4, 2, 3]), (2, &[]), (3, &[]), (4, &[])]);
    assert_eq!(catalog.dependencies(id(1)).unwrap(), [id(4), id(2), id(3)]);
    assert!(catalog.dependencies(id(2)).unwrap().is_empty());
    assert!(catalog.dependencies(id(99)).unwrap().is_empty());
}

#[test]
fn closure_of_a_chain_is_nearest_first() {
    let catalog = graph(&[(1, &[2]), (2, &[3]), (3, &[4]), (4, &[])]);
    assert_eq!(catalog.dependency_closure(id(1)).unwrap(), [id(2), id(3), id(4)]);
    assert_eq!(catalog.dependency_closure(id(3)).unwrap(), [id(4)]);
    assert!(catalog.dependency_closure(id(4)).unwrap().is_empty());
}

#[test]
fn closure_of_a_diamond_lists_the_shared_dependency_once() {
    //   1 → 2 → 4 → 5
    //   1 → 3 → 4
    let catalog = graph(&[(1, &[2, 3]), (2, &[4]), (3, &[4]), (4, &[5]), (5, &[])]);
    let closure = catalog.dependency_closure(id(1)).unwrap();
    assert_eq!(closure, [id(2), id(3), id(4), id(5)]);
}

#[test]
fn closure_with_a_cycle_terminates_and_lists_each_once() {
    // a → b → c → a
    let catalog = graph(&[(1, &[2]), (2, &[3]), (3, &[1])]);
    for (start, others) in [(1, [2, 3]), (2, [1, 3]), (3, [1, 2])] {
        let closure = catalog.dependency_closure(id(start)).unwrap();
        each_once(&closure);
        assert_eq!(set(&closure), others, "closure of {start}");
    }
    assert_eq!(catalog.dependency_closure(id(1)).unwrap(), [id(2), id(3)]);
}

#[test]
fn self_dependencies_and_duplicate_edges_terminate() {
    let catalog = graph(&[(1, &[1, 2, 2]), (2, &[2, 1])]);
    assert_eq!(catalog.dependencies(id(1)).unwrap(), [id(1), id(2), id(2)]);
    assert_eq!(catalog.dependency_closure(id(1)).unwrap(), [id(2)]);
    assert_eq!(catalog.reverse_dependencies(id(2), false).unwrap(), [id(1), id(2)]);
    assert_eq!(catalog.reverse_dependencies(id(2), true).unwrap(), [id(1)]);
}

#[test]
fn dependencies_on_assets_not_in_the_catalog_are_listed() {
    // 2 is referenced but has no row (not cooked yet); 3 depends on a missing 4.
    let catalog = graph(&[(1, &[2, 3]), (3, &[4])]);
    assert_eq!(catalog.dependency_closure(id(1)).unwrap(), [id(2), id(3), id(4)]);
    assert_eq!(catalog.reverse_dependencies(id(4), true).unwrap(), [id(3), id(1)]);
    assert_eq!(catalog.reverse_dependencies(id(2), false).unwrap(), [id(1)]);
}

#[test]
fn reverse_dependencies_direct_and_transitive() {
    //   10 → 20 → 40
    //   30 → 40
    //   50 → 10
    let catalog = graph(&[(10, &[20]), (20, &[40]), (30, &[40]), (40, &[]), (50, &[10])]);
    assert_eq!(catalog.reverse_dependencies(id(40), false).unwrap(), [id(20), id(30)]);
    let all = catalog.reverse_dependencies(id(40), true).unwrap();
    each_once(&all);
    assert_eq!(set(&all), [10, 20, 30, 50]);
    // Nearest first: the direct dependents come before 10, and 10 before 50.
    let pos = |n| all.iter().position(|&i| i == id(n)).unwrap();
    assert!(pos(20) < pos(10) && pos(30) < pos(10) && pos(10) < pos(50));
    assert!(catalog.reverse_dependencies(id(50), true).unwrap().is_empty());
    assert!(catalog.reverse_dependencies(id(999), true).unwrap().is_empty());
}

#[test]
fn reverse_dependencies_with_a_cycle_terminate() {
    let catalog = graph(&[(1, &[2]), (2, &[3]), (3, &[1]), (4, &[3])]);
    let reverse = catalog.reverse_dependencies(id(3), true).unwrap();
    each_once(&reverse);
    assert_eq!(set(&reverse), [1, 2, 4]);
    assert_eq!(catalog.reverse_dependencies(id(3), false).unwrap(), [id(2), id(4)]);
}

#[test]
fn a_long_chain_and_a_wide_fan_out() {
    let mut edges: Vec<(u128, Vec<u128>)> = (1..=2000).map(|n| (n, vec![n + 1])).collect();
    edges.push((2001, vec![1])); // closes a 2001-long cycle
    edges.push((5000, (1..=2001).collect()));
    let borrowed: Vec<(u128, &[u128])> = edges.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    let catalog = graph(&borrowed);
    let closure = catalog.dependency_closure(id(1)).unwrap();
    assert_eq!(closure.len(), 2000);
    assert_eq!(closure[0], id(2));
    assert_eq!(catalog.dependency_closure(id(5000)).unwrap().len(), 2001);
    assert_eq!(catalog.reverse_dependencies(id(7), true).unwrap().len(), 2001);
}
